// Form rules, the same as core-api's (domain/attendee.rs, email.rs, password.rs), so the
// user hears about a mistake before a round trip — the server still has the last word.

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export interface AttendeeForm {
  name: string;
  phone: string;
  email: string;
}

export function validEmail(raw: string): boolean {
  const email = raw.trim();
  if (email.length === 0 || email.length > 254 || /\s/.test(email)) return false;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@')) return false;
  const domain = email.slice(at + 1);
  return domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.');
}

export function validateAttendee(form: AttendeeForm): FieldErrors<keyof AttendeeForm> {
  const errors: FieldErrors<keyof AttendeeForm> = {};
  const name = form.name.trim();
  if (!name) errors.name = 'Enter the name of the person attending.';
  else if ([...name].length > 100) errors.name = 'Use at most 100 characters.';
  const phone = form.phone.trim();
  const digits = (phone.match(/\d/g) ?? []).length;
  if (!phone) errors.phone = 'Enter a phone number.';
  else if (!/^[\d+\-() ]+$/.test(phone)) errors.phone = 'Use digits, spaces and + - ( ) only.';
  else if (digits < 7 || digits > 15 || phone.length > 25) errors.phone = 'A phone number has 7 to 15 digits.';
  if (form.email.trim() && !validEmail(form.email)) errors.email = 'Enter an e-mail like name@example.com, or leave it empty.';
  return errors;
}

export interface SignupForm {
  name: string;
  email: string;
  password: string;
}

export function validateSignup(form: SignupForm): FieldErrors<keyof SignupForm> {
  const errors: FieldErrors<keyof SignupForm> = {};
  if (!form.name.trim()) errors.name = 'Enter your name.';
  else if ([...form.name.trim()].length > 100) errors.name = 'Use at most 100 characters.';
  if (!validEmail(form.email)) errors.email = 'Enter an e-mail like name@example.com.';
  const len = [...form.password].length;
  if (len < 8) errors.password = 'Use at least 8 characters.';
  else if (len > 128) errors.password = 'Use at most 128 characters.';
  return errors;
}

export function hasErrors(errors: object): boolean {
  return Object.values(errors).some(Boolean);
}
