/**
 * Aho-Corasick automaton over UTF-16 code units: one pass over the text finds every occurrence of every
 * pattern, and the state after the last character says how long a tail could still begin a pattern.
 */
export class PatternAutomaton {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly depth: number[] = [0];
  /** Longest pattern ending at this node (the node's own or one reached through suffix links); 0 for none. */
  private readonly longestMatch: number[] = [0];
  /** Longest suffix of this node's text that is a proper prefix of some pattern. */
  private readonly openPrefix: number[] = [0];
  /** The root's transitions as a dense table (most text is read at or near the root); 0 = stay at the root. */
  private readonly rootNext = new Int32Array(65536);

  constructor(patterns: Iterable<string>) {
    for (const pattern of patterns) this.insert(pattern);
    this.link();
  }

  /** The state after reading `code` in `state`. */
  step(state: number, code: number): number {
    let node = state;
    for (;;) {
      if (node === 0) return this.rootNext[code] ?? 0;
      const target = this.next[node]?.get(code);
      if (target !== undefined) return target;
      node = this.fail[node] ?? 0;
    }
  }

  /** Length of the longest pattern ending at the character that led to `state`, 0 for none. */
  matchLength(state: number): number {
    return this.longestMatch[state] ?? 0;
  }

  /** How many trailing characters read so far could be the beginning of a pattern. */
  openLength(state: number): number {
    return this.openPrefix[state] ?? 0;
  }

  private insert(pattern: string): void {
    if (pattern.length === 0) return;
    let node = 0;
    for (let i = 0; i < pattern.length; i++) {
      const code = pattern.charCodeAt(i);
      const edges = this.next[node] ?? new Map<number, number>();
      let target = edges.get(code);
      if (target === undefined) {
        target = this.next.length;
        edges.set(code, target);
        this.next.push(new Map());
        this.fail.push(0);
        this.depth.push(i + 1);
        this.longestMatch.push(0);
        this.openPrefix.push(0);
      }
      node = target;
    }
    this.longestMatch[node] = pattern.length;
  }

  /** Breadth-first: suffix links, then the inherited match and open-prefix lengths. */
  private link(): void {
    const queue: number[] = [];
    for (const [code, child] of this.next[0] ?? []) {
      this.rootNext[code] = child;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] ?? 0;
      const failNode = this.fail[node] ?? 0;
      this.longestMatch[node] = Math.max(this.longestMatch[node] ?? 0, this.longestMatch[failNode] ?? 0);
      const edges = this.next[node] ?? new Map<number, number>();
      this.openPrefix[node] = edges.size > 0 ? (this.depth[node] ?? 0) : (this.openPrefix[failNode] ?? 0);
      for (const [code, child] of edges) {
        this.fail[child] = node === 0 ? 0 : this.step(failNode, code);
        queue.push(child);
      }
    }
  }
}
