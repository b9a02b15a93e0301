// Content scripts cannot be ES modules; this loads the module that does the work.
import(chrome.runtime.getURL('extension/content/main.js')).catch((err) => console.error(`avlens: ${err.message}`));
