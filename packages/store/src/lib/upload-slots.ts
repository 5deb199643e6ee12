/** One upload's place: `ready` once it may be received; `release()` gives the place up (idempotent). */
export interface UploadSlot {
  ready: Promise<void>;
  release(): void;
}

/**
 * At most `size` ZIP uploads are received at once; the others wait their turn, in order, with
 * their bodies unread (in the sockets, not in the store's memory). Each upload being received
 * holds its buffers (about 9 MiB when the sender is fast) and a file descriptor or two: without a
 * bound, six 100 MB uploads at once grew the store by ~150 MB (issue 17). A wait counts against
 * the upload's deadline (OKO_STORE_UPLOAD_DEADLINE_MS), which the route races it with.
 */
export class UploadSlots {
  private busy = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Uploads being received, and uploads waiting for a place (GET /health shows neither; tests read them). */
  get counts(): { receiving: number; waiting: number } {
    return { receiving: this.busy, waiting: this.waiting.length };
  }

  take(): UploadSlot {
    let granted = false;
    let released = false;
    let grant: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      grant = () => {
        granted = true;
        resolve();
      };
    });
    if (this.busy < this.size) {
      this.busy++;
      grant();
    } else {
      this.waiting.push(grant);
    }
    return {
      ready,
      release: () => {
        if (released) return;
        released = true;
        if (!granted) {
          // Gave up while waiting (its deadline passed): it leaves the queue, and holds no place.
          this.waiting.splice(this.waiting.indexOf(grant), 1);
          return;
        }
        const next = this.waiting.shift();
        // The place passes straight to the next in line, so the count of busy places stays.
        if (next) next();
        else this.busy--;
      },
    };
  }
}
