// Writes rampart.example.yaml from the defaults: run after changing src/config.
import { writeFileSync } from "node:fs";
import { renderExampleConfig } from "../src/config/example.js";

writeFileSync(new URL("../rampart.example.yaml", import.meta.url), renderExampleConfig());
