// Copies the browser builds of the front-end libraries into var/assets/vendor,
// where Django's staticfiles (and whitenoise) serve them. No file of theirs is committed.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, "..", "var", "assets", "vendor");
mkdirSync(out, { recursive: true });
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "echarts.min.js": "node_modules/echarts/dist/echarts.min.js",
};
for (const [name, src] of Object.entries(files)) {
  copyFileSync(resolve(here, src), resolve(out, name));
}
console.log(`front-end assets → ${out}`);
