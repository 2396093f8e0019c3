// The test bundle of the attachment harness (run.mjs builds it with esbuild into its out
// folder): the page modules as they are, on window, for the tests to call.
import * as scrub from "../../../server/web-js/src/scrub.js";
import * as attachments from "../../../server/web-js/src/attachments.js";

window.jasmineHarness = { ...scrub, ...attachments };
