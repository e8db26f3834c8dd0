export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * What is wrong with a password a user chose, or `undefined` when nothing is: 8-1024 characters,
 * counted as code points like every length in the API, and well-formed Unicode (a lone surrogate
 * would be hashed as U+FFFD, so two different passwords would become one). The detail never says
 * how long the password was: details reach logs.
 */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return `password must be ${PASSWORD_MIN_LENGTH}-${PASSWORD_MAX_LENGTH} characters long`;
  }
  if (/\p{Cs}/u.test(password)) return 'password must not contain unpaired surrogates (it must be valid Unicode)';
  return undefined;
}
