import { userRoles, type UserRole } from '../../../db/schema.js';
import { isPlainText } from '../plain-text.js';
import { isValidEmail } from '../subscribers/index.js';
import { passwordProblem } from './passwords.js';

/** What is wrong with a form, by field; each value is an admin message key. */
export type Problems = Record<string, string>;

export const isUserRole = (value: string): value is UserRole =>
  (userRoles as readonly string[]).includes(value);

export interface NewUserInput {
  email: string;
  name?: string;
  role: string;
  password: string;
  /** The password typed a second time, on forms that ask for it. */
  passwordRepeat?: string;
}

/** A new account's fields as they are stored: address in lower case, no outer spaces. */
export function normaliseNewUser(input: NewUserInput): {
  email: string;
  name: string;
  role: string;
} {
  return {
    email: input.email.trim().toLowerCase(),
    name: (input.name ?? '').trim(),
    role: input.role,
  };
}

/** The one rule for a new account, whoever creates it: set-up link, admin page or CLI. */
export function newUserProblems(input: NewUserInput): Problems {
  const values = normaliseNewUser(input);
  const errors: Problems = {};
  if (!isValidEmail(values.email)) errors.email = 'auth.emailInvalid';
  if (!isPlainText(values.name, 100)) errors.name = 'auth.nameInvalid';
  if (!isUserRole(values.role)) errors.role = 'users.roleInvalid';
  return { ...errors, ...newPasswordProblems(input.password, input.passwordRepeat) };
}

/** A new password: the length rule, then (on forms that ask twice) the repetition. */
export function newPasswordProblems(password: string, repeat?: string): Problems {
  const problem = passwordProblem(password);
  if (problem) return { password: `auth.password.${problem}` };
  if (repeat !== undefined && repeat !== password) return { password2: 'auth.password.mismatch' };
  return {};
}

/** An API token's name and role, from the admin page or the CLI. */
export function apiTokenProblems(input: { name: string; role: string }): Problems {
  const errors: Problems = {};
  if (!input.name || !isPlainText(input.name, 100)) errors.name = 'tokens.nameInvalid';
  if (!isUserRole(input.role)) errors.role = 'users.roleInvalid';
  return errors;
}
