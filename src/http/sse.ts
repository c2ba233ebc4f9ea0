import { presentStreamEvent } from './present.js'
import type { StreamEvent, StreamSink } from '../services/revocation-stream.js'

/** Bytes a subscriber may leave unread before it is dropped (a stalled proxy or reader); it resumes by Last-Event-ID. */
const MAX_BUFFERED_BYTES = 1024 * 1024
/** EventSource clients reconnect after this long (the `retry:` field). */
const RETRY_MS = 1000

const encoder = new TextEncoder()

/** One Server-Sent Event: `id` is its seq, so a reconnecting client's Last-Event-ID says where it got to. */
export function encodeEvent(event: StreamEvent): string {
  return `event: ${event.type}\nid: ${event.seq}\ndata: ${JSON.stringify(presentStreamEvent(event))}\n\n`
}

/**
 * A text/event-stream body and the sink that writes to it. `onCancel` runs when the client goes away.
 * Writes never wait: what the reader has not taken is counted, and past MAX_BUFFERED_BYTES the sink
 * refuses, so one slow subscriber never holds up the fan-out to the others.
 */
export function eventStreamBody(onCancel: () => void): { body: ReadableStream<Uint8Array>; sink: StreamSink } {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let open = true
  // The first write (a snapshot can be large) is allowed on top of the limit.
  let allowance: number | null = null
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
        c.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`))
      },
      cancel() {
        open = false
        onCancel()
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: MAX_BUFFERED_BYTES }),
  )
  const sink: StreamSink = {
    send(events) {
      if (!open) return false
      const bytes = encoder.encode(events.map(encodeEvent).join(''))
      allowance ??= MAX_BUFFERED_BYTES + bytes.byteLength
      controller.enqueue(bytes)
      const unread = MAX_BUFFERED_BYTES - (controller.desiredSize ?? 0)
      return unread <= allowance
    },
    close() {
      if (!open) return
      open = false
      controller.close()
    },
  }
  return { body, sink }
}
