/** File IO in Node: the `file://` model handler (registered on import) and the errors of saved-model files. */
export { fileSystem } from './fileSystem.js';
export { ModelFileError } from './modelFileError.js';
