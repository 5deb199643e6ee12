// Sends one ZIP to the store with the CLI's streaming uploader, in a process of its own, so the
// bench can lower its priority: a real client uploads from another machine. argv: storeUrl zip.
// Prints the store's answer as one JSON line.
import { uploadZip } from '../lib/http.js';

const [storeUrl, zip] = process.argv.slice(2);
console.log(JSON.stringify(await uploadZip(storeUrl!, zip!)));
