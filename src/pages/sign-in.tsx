import { Layout, StatusRegion, type StatusMessage } from './layout.js'

export interface SignInFormProps {
  /** Where the form posts (the lead decides the route), e.g. `/account/sign-in`. */
  action: string
  /** The email the user typed, kept after a failed attempt (never the password). */
  email?: string
  message?: StatusMessage | null
  /** The line under the heading (the console says who may sign in). */
  lead?: string
}

/**
 * The sign-in form: fields labelled Email and Password and a Sign in button, a live region for
 * feedback. A plain POST form: it works without JavaScript.
 */
export function SignInForm({ action, email, message, lead = 'Sign in to see and manage where your account is signed in.' }: SignInFormProps) {
  const invalid = message?.kind === 'error' ? 'true' : undefined
  return (
    <section class="card card-narrow" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      <p class="lead">{lead}</p>
      <StatusRegion id="sign-in-status" message={message} />
      <form class="form" method="post" action={action}>
        <div class="field">
          <label for="sign-in-email">Email</label>
          <input
            id="sign-in-email"
            name="email"
            type="email"
            autocomplete="username"
            spellcheck={false}
            autocapitalize="none"
            required
            value={email ?? ''}
            aria-invalid={invalid}
            aria-describedby={invalid ? 'sign-in-status' : undefined}
          />
        </div>
        <div class="field">
          <label for="sign-in-password">Password</label>
          <input
            id="sign-in-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            aria-invalid={invalid}
            aria-describedby={invalid ? 'sign-in-status' : undefined}
          />
        </div>
        <button class="button button-primary button-block" type="submit">
          Sign in
        </button>
      </form>
    </section>
  )
}

/** The whole sign-in document (the `/account` page when there is no valid session). */
export function SignInPage(props: SignInFormProps) {
  return (
    <Layout title="Sign in">
      <SignInForm {...props} />
    </Layout>
  )
}
