/**
 * Who is calling, as services record it on sessions and security events. A plain value: `http/`
 * reads it off a request, services only carry it, so neither layer needs the other.
 */
export interface ClientInfo {
  ip: string | null
  userAgent: string | null
  device: string
  location: string | null
}

/** The client columns recorded on a security event. */
export function clientFields(client: ClientInfo | null) {
  return { ip: client?.ip ?? null, device: client?.device ?? null, location: client?.location ?? null }
}
