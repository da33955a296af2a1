/** A mistake in how sgc was called (a flag, an environment variable): exit 2 with the message, no stack trace. */
export class UsageError extends Error {}
