import { describeLaunchCrash, KILL_POINTS } from "../helpers/launch-crash-suite.js";

// The first two kill points; the others are in launch-crash-late.test.ts.
describeLaunchCrash(KILL_POINTS.slice(0, 2));
