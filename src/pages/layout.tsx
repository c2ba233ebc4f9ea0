import type { Child } from 'hono/jsx'
import { raw } from 'hono/html'
import { STYLESHEET } from './stylesheet.js'

export interface LayoutProps {
  /** The page's own title; the document title is "<title> · sessiond". */
  title: string
  /** Shown at the right of the header (e.g. the user's own Sign out form). */
  headerActions?: Child
  /** Where the brand in the header leads, and what it says (the console names itself). */
  home?: { href: string; label: string }
  /** A wider frame, for tables (the console). */
  wide?: boolean
  children?: Child
}

const ACCOUNT_BRAND = { href: '/account', label: 'sessiond' }

/**
 * The frame of every hosted page: English, responsive, one stylesheet of our own, no script or style
 * inline. Everything passed in is rendered as text by hono/jsx unless it is already markup.
 */
export function Layout({ title, headerActions, home = ACCOUNT_BRAND, wide = false, children }: LayoutProps) {
  const width = wide ? ' frame-wide' : ''
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="referrer" content="no-referrer" />
          <title>{`${title} · sessiond`}</title>
          <link rel="stylesheet" href={STYLESHEET.path} />
          {/* No /favicon.ico round trip (and no 404 for it). */}
          <link rel="icon" href="data:," />
        </head>
        <body>
          <a class="skip-link" href="#main">
            Skip to content
          </a>
          <header class="site-header">
            <div class={`site-header-inner${width}`}>
              <a class="brand" href={home.href}>
                {home.label}
              </a>
              {headerActions}
            </div>
          </header>
          <main id="main" class={`page${width}`} tabindex={-1}>
            {children}
          </main>
        </body>
      </html>
    </>
  )
}

export type StatusKind = 'info' | 'success' | 'error'

export interface StatusMessage {
  kind: StatusKind
  text: string
}

/**
 * The page's live region: always in the document (screen readers announce changes to an existing
 * region), empty unless there is something to say. Script may fill it later; without script the
 * server renders the message into it.
 */
export function StatusRegion({ id, message }: { id: string; message?: StatusMessage | null }) {
  const kind = message ? ` status-${message.kind}` : ''
  return (
    <div id={id} class={`status${kind}`} role="status" aria-live="polite">
      {message?.text ?? ''}
    </div>
  )
}
