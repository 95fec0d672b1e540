import * as locale from "./locale.js";
export function run(k) { return locale[k]; }
