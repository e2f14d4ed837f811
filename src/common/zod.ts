// The one zod the project uses: zod/mini, with English messages. zod/mini has the same validation core and messages
// as zod, without the chainable methods on every schema: loading and building it costs about a third of what zod's
// full API does (`check --config` pays that on every run: bench/check.mjs), and the daemon loads one zod, not two.
// Its messages need a locale: it is set here, so every schema gets it wherever it is first used.
// Import it as a namespace (`import * as z from "../common/zod.js"`): the bundler then keeps only what is used.

import { en } from "zod/locales";
import { config } from "zod/mini";

config(en());

export * from "zod/mini";
