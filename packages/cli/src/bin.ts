// The `cairn` command's code. The command itself is `bin/cairn.js`, which runs the compiled form of this file with
// the Node flags `cairn` needs (see there); tests and the benches run this file with their own.
import { main } from "./main.ts";

// A reader that stops early (`cairn events --jsonl | head`) closes the pipe: that ends the output, it is not an
// error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
