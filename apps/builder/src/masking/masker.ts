import { PatternAutomaton } from "./automaton";
import { secretForms } from "./secret-forms";

/** What a masked secret becomes in the log. */
export const MASK = "********";

interface MaskedRange {
  start: number;
  end: number;
  /** MASK already emitted for this range; its rest is still held and will be dropped silently. */
  printed: boolean;
}

/**
 * Streaming secret masker. Feed log text with write(), in chunks of any size; each call returns what can
 * be emitted now, with every form of every secret (see secretForms) replaced by MASK, however the text was
 * split. It holds back only the trailing characters that could still begin a secret form (fewer than the
 * longest form), never emits part of one, and end() returns the rest.
 */
export class SecretMasker {
  private readonly automaton: PatternAutomaton | undefined;
  private state = 0;
  /** Absolute position (in UTF-16 code units since the start) of the first held character. */
  private heldStart = 0;
  private held = "";
  /** Ranges still to mask, in order and disjoint, all ending after heldStart. */
  private ranges: MaskedRange[] = [];

  constructor(secrets: Iterable<string>) {
    const forms = new Set<string>();
    for (const secret of secrets) for (const form of secretForms(secret)) forms.add(form);
    this.automaton = forms.size > 0 ? new PatternAutomaton(forms) : undefined;
  }

  write(chunk: string): string {
    const automaton = this.automaton;
    if (automaton === undefined) return chunk;
    let position = this.heldStart + this.held.length;
    let state = this.state;
    for (let i = 0; i < chunk.length; i++) {
      state = automaton.step(state, chunk.charCodeAt(i));
      position++;
      const length = automaton.matchLength(state);
      if (length > 0) this.addRange(position - length, position);
    }
    this.state = state;
    this.held += chunk;
    return this.emitUntil(position - automaton.openLength(state));
  }

  end(): string {
    const rest = this.emitUntil(this.heldStart + this.held.length);
    this.state = 0;
    return rest;
  }

  /** A new match ends at or after every known range: it absorbs those it overlaps (touching ones stay two masks). */
  private addRange(start: number, end: number): void {
    let merged: MaskedRange = { start, end, printed: false };
    for (let last = this.ranges.at(-1); last !== undefined && last.end > merged.start; last = this.ranges.at(-1)) {
      this.ranges.pop();
      merged = { start: Math.min(last.start, merged.start), end, printed: merged.printed || last.printed };
    }
    this.ranges.push(merged);
  }

  private emitUntil(until: number): string {
    let out = "";
    let cursor = this.heldStart;
    while (this.ranges.length > 0) {
      const range = this.ranges[0];
      if (range === undefined || range.start >= until) break;
      if (range.start > cursor) out += this.slice(cursor, range.start);
      if (!range.printed) {
        out += MASK;
        range.printed = true;
      }
      if (range.end > until) {
        cursor = until; // the range goes on past what we may emit: keep it, already printed
        break;
      }
      cursor = Math.max(cursor, range.end);
      this.ranges.shift();
    }
    if (cursor < until) out += this.slice(cursor, until);
    this.held = this.held.slice(until - this.heldStart);
    this.heldStart = until;
    return out;
  }

  private slice(from: number, to: number): string {
    return this.held.slice(from - this.heldStart, to - this.heldStart);
  }
}
