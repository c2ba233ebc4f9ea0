const closers: Array<() => Promise<unknown> | unknown> = []

/** Registers something to close when the test file ends (last opened, first closed). */
export function onClose<T>(resource: T, close: (resource: T) => Promise<unknown> | unknown): T {
  closers.push(() => close(resource))
  return resource
}

export async function closeAll(): Promise<void> {
  while (closers.length > 0) {
    await Promise.resolve(closers.pop()!()).catch(() => {})
  }
}
