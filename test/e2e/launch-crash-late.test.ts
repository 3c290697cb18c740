import { describeLaunchCrash, KILL_POINTS } from "../helpers/launch-crash-suite.js";

// The last two kill points; the others are in launch-crash.test.ts.
describeLaunchCrash(KILL_POINTS.slice(2));
