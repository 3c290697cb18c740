import { describeLaunchCrash, KILL_POINTS } from "../helpers/launch-crash-suite.js";

// One kill point a file, so the four (each starts Herald twice) run side by side.
describeLaunchCrash(KILL_POINTS.slice(3, 4));
