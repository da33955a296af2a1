/** The output formats of `sgc check`. */
export const CHECK_FORMATS = ["text", "json", "sarif", "markdown"] as const;

/** One of the output formats of `sgc check`. */
export type CheckFormat = (typeof CHECK_FORMATS)[number];
