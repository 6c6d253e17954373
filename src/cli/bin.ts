// The executable's entry: runs the command line on this process's arguments and streams.
import { main } from "./main.ts";

process.exitCode = await main();
