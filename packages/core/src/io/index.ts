/** File IO in Node: the `file://` model handler (registered on import), the errors of saved-model files, atomic writes. */

export { writeFileAtomic } from './atomicWrite.js';
export { fileSystem } from './fileSystem.js';
export { ModelFileError } from './modelFileError.js';
