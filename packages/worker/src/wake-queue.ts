/** A min-heap of wake-up times; entries are checked against the item's state when they come due. */
export class WakeQueue<T> {
  #heap: { at: number; item: T }[] = [];

  get size(): number {
    return this.#heap.length;
  }

  /** Keeps only the entries `live` accepts. */
  keep(live: (at: number, item: T) => boolean): void {
    const entries = this.#heap.filter((e) => live(e.at, e.item));
    this.#heap = [];
    for (const e of entries) this.push(e.at, e.item);
  }

  push(at: number, item: T): void {
    const h = this.#heap;
    h.push({ at, item });
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= h[i]!.at) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }

  peek(): number | undefined {
    return this.#heap[0]?.at;
  }

  popDue(now: number): { at: number; item: T }[] {
    const due: { at: number; item: T }[] = [];
    const h = this.#heap;
    while (h.length > 0 && h[0]!.at <= now) {
      due.push(h[0]!);
      const last = h.pop()!;
      if (h.length === 0) break;
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]!.at < h[m]!.at) m = l;
        if (r < h.length && h[r]!.at < h[m]!.at) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return due;
  }
}
