// Upstream's suite itself calls Promise.withResolvers (ES2024), which Node 20 lacks; the project
// stays on Node 20, so the suite gets it here (its app servers run on Node 22, see node22.ts).
// The project's lib is ES2023, so the member is looked up by name rather than typed.
if (!('withResolvers' in Promise)) {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
