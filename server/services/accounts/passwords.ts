import argon2 from 'argon2';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 200;

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

/** Whether the password matches the stored hash; a malformed hash never matches. */
export const passwordMatches = (hash: string, password: string) =>
  argon2.verify(hash, password).catch(() => false);

// A fixed hash to verify against when the address is unknown, so timing does not reveal it.
let dummyHash: Promise<string> | undefined;

/** Spend the time of one verification without an account to verify against. */
export async function verifyAgainstNothing(password: string): Promise<void> {
  dummyHash ??= hashPassword('landpost-dummy-password');
  await passwordMatches(await dummyHash, password);
}

/** The password rule: the message key's last part, or undefined when the password is fine. */
export function passwordProblem(password: string): 'tooShort' | 'tooLong' | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return 'tooShort';
  if (password.length > MAX_PASSWORD_LENGTH) return 'tooLong';
  return undefined;
}
