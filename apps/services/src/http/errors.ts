/** An error answered as `{"message": ...}` with its status, as CircleCI's API does. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what = "Not found") => new HttpError(404, what);
export const badRequest = (message: string) => new HttpError(400, message);
export const unauthorized = (message = "You must log in first.") => new HttpError(401, message);
