/** A validation failure the UI shows next to the field it concerns. */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Several field failures at once (a certificate can be wrong in more than one way). */
export class FieldErrors extends Error {
  override name = "FieldErrors";
  constructor(readonly errors: Array<{ field: string; message: string }>) {
    super(errors.map((e) => e.message).join(" "));
  }
}

/** An action that is not possible in the current state (e.g. Start before the wizard is done). */
export class StateError extends Error {
  override name = "StateError";
}
