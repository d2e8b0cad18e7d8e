/**
 * A set of contact ids kept off the JS heap, for the dry run's duplicate check across a whole file. A
 * contact id is 16 base64url characters (12 bytes of an HMAC-SHA256 or a SHA-256, see core's contact-ids.ts); as JS strings a
 * million of them (sliced from their digest strings, in a Set) take ~140 MB, more than the import thread's
 * heap cap. Here they take 12 bytes per slot in a Buffer (open addressing, linear probing, load ≤ 1/2):
 * ~24 MB for a million, outside the capped heap.
 */
const ID_BYTES = 12;
const EMPTY = Buffer.alloc(ID_BYTES);

export class ContactIdSet {
  private slots: Buffer;
  private capacity: number;
  private count = 0;
  /** The all-zero id cannot be told from an empty slot: it is remembered apart. */
  private hasZero = false;
  private readonly others = new Set<string>();

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.slots = Buffer.alloc(initialCapacity * ID_BYTES);
  }

  get size(): number {
    return this.count + (this.hasZero ? 1 : 0) + this.others.size;
  }

  /** Adds the id; returns false when it was already there. */
  add(id: string): boolean {
    const key = Buffer.from(id, 'base64url');
    if (key.length !== ID_BYTES || key.toString('base64url') !== id) return this.addOther(id);
    if (key.equals(EMPTY)) {
      const added = !this.hasZero;
      this.hasZero = true;
      return added;
    }
    if ((this.count + 1) * 2 > this.capacity) this.grow();
    return this.insert(key);
  }

  /** Anything that is not a 12-byte base64url id (none today) is kept as a string. */
  private addOther(id: string): boolean {
    if (this.others.has(id)) return false;
    this.others.add(id);
    return true;
  }

  private insert(key: Buffer): boolean {
    let slot = key.readUInt32LE(0) % this.capacity;
    for (;;) {
      const at = slot * ID_BYTES;
      if (this.slots.compare(EMPTY, 0, ID_BYTES, at, at + ID_BYTES) === 0) {
        key.copy(this.slots, at);
        this.count++;
        return true;
      }
      if (this.slots.compare(key, 0, ID_BYTES, at, at + ID_BYTES) === 0) return false;
      slot = (slot + 1) % this.capacity;
    }
  }

  private grow(): void {
    const old = this.slots;
    const oldCapacity = this.capacity;
    this.capacity *= 2;
    this.slots = Buffer.alloc(this.capacity * ID_BYTES);
    this.count = 0;
    for (let i = 0; i < oldCapacity; i++) {
      const at = i * ID_BYTES;
      if (old.compare(EMPTY, 0, ID_BYTES, at, at + ID_BYTES) !== 0) this.insert(old.subarray(at, at + ID_BYTES));
    }
  }
}
