/** JSON for /api/status and /api/events: byte arrays as MACs or hex (src/wire/json.ts). */
export { jsonReplacer, toJson } from '../wire/json';
