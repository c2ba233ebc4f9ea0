import type { Child } from 'hono/jsx'

/**
 * Pieces the hosted pages share (the account pages and the console): metadata lines, location and
 * address, password fields, hidden fields and the Confirm/Cancel pair. Every value is a JSX child or
 * attribute, so hono/jsx renders it as text.
 */

export function Location({ location }: { location: string | null }) {
  return location ? (
    <span>
      {location} <span class="approximate">(approximate)</span>
    </span>
  ) : (
    <span>Location unknown</span>
  )
}

export function Address({ ip }: { ip: string | null }) {
  return (
    <span>
      IP <span class="mono">{ip ?? 'unknown'}</span>
    </span>
  )
}

/** Parts of a metadata line, separated by middle dots that screen readers skip. */
export function Meta({ parts, id }: { parts: Child[]; id?: string }) {
  return (
    <p class="meta" id={id}>
      {parts.map((part, index) => (
        <>
          {index > 0 ? (
            <span class="separator" aria-hidden="true">
              {' · '}
            </span>
          ) : null}
          {part}
        </>
      ))}
    </p>
  )
}

export interface PasswordFieldProps {
  id: string
  name: string
  label: string
  autocomplete: 'current-password' | 'new-password'
  /** A hint under the field, always shown. */
  hint?: Child
  /** The error for this field, shown under it; the field is then marked invalid. */
  error?: string
  /** Ids of other elements that describe the field (e.g. the page's live region). */
  describedBy?: string
  invalid?: boolean
  autofocus?: boolean
}

/** A labelled password field with its hint and error (both tied to it by aria-describedby). */
export function PasswordField({ id, name, label, autocomplete, hint, error, describedBy, invalid, autofocus }: PasswordFieldProps) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null, describedBy ?? null].filter(Boolean).join(' ')
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="password"
        autocomplete={autocomplete}
        required
        autofocus={autofocus}
        aria-invalid={error || invalid ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {hint ? (
        <p id={`${id}-hint`} class="field-hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      ) : null}
    </div>
  )
}

export function Hidden({ fields }: { fields: Record<string, string> }) {
  return (
    <>
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  )
}

/** The step's two ways on: Confirm (submits its form) and Cancel (a link back: nothing is sent). */
export function ConfirmOrCancel({ tone, cancelHref }: { tone: 'danger' | 'primary'; cancelHref: string }) {
  return (
    <>
      <button class={`button button-${tone}`} type="submit">
        Confirm
      </button>
      <a class="button" href={cancelHref}>
        Cancel
      </a>
    </>
  )
}

