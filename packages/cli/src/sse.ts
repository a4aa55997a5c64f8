/**
 * A Server-Sent Events parser (the `text/event-stream` format of the HTML standard): text in, events out. Lines end
 * in LF, CR or CRLF — also when a CRLF is split between two chunks; `:` lines are comments; several `data:` lines
 * make one value joined with `\n`; a blank line ends an event.
 * @module
 */

/** One dispatched event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  readonly event: string;
  readonly data: string;
  /** The last `id:` seen so far on the stream (ids carry over to later events that have none). */
  readonly id: string | undefined;
}

/** Parses a stream of text chunks; feed it with {@link SseParser.push}. */
export class SseParser {
  #buffer = "";
  #skipLf = false;
  #data: string[] = [];
  #event = "";
  #id: string | undefined;

  /** Parses a chunk and returns the events it completed. */
  push(chunk: string): SseEvent[] {
    // A CR ended the previous chunk: an LF starting this one belongs to the same line break.
    const text = this.#skipLf && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
    this.#skipLf = false;
    const buffer = this.#buffer + text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charAt(i);
      if (c !== "\n" && c !== "\r") continue;
      this.#line(buffer.slice(start, i), events);
      if (c === "\r") {
        if (i + 1 === buffer.length) this.#skipLf = true;
        else if (buffer.charAt(i + 1) === "\n") i++;
      }
      start = i + 1;
    }
    this.#buffer = buffer.slice(start);
    return events;
  }

  #line(line: string, events: SseEvent[]): void {
    if (line === "") {
      this.#dispatch(events);
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const raw = colon < 0 ? "" : line.slice(colon + 1);
    const value = raw.startsWith(" ") ? raw.slice(1) : raw;
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    else if (field === "id" && !value.includes("\0")) this.#id = value;
    // `retry:` and unknown fields are ignored: the client keeps its own reconnection delays.
  }

  #dispatch(events: SseEvent[]): void {
    if (this.#data.length > 0)
      events.push({ event: this.#event === "" ? "message" : this.#event, data: this.#data.join("\n"), id: this.#id });
    this.#data = [];
    this.#event = "";
  }
}
