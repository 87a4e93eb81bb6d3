import { describe, expect, it } from 'vitest';
import { hasErrors, validEmail, validateAttendee, validateSignup } from '../../src/lib/state/validation';

describe('validateAttendee (same rules as core-api)', () => {
  it('accepts a normal attendee, e-mail optional', () => {
    expect(validateAttendee({ name: '김민수', phone: '010-1234-5678', email: '' })).toEqual({});
    expect(validateAttendee({ name: 'Ana', phone: '+82 (10) 1234 5678', email: 'ana@example.com' })).toEqual({});
  });
  it('names each bad field', () => {
    const e = validateAttendee({ name: ' ', phone: '12-34', email: 'nope' });
    expect(Object.keys(e).sort()).toEqual(['email', 'name', 'phone']);
    expect(validateAttendee({ name: 'A', phone: '010-1234-abcd', email: '' }).phone).toMatch(/digits/);
    expect(validateAttendee({ name: 'x'.repeat(101), phone: '0101234567', email: '' }).name).toBeDefined();
    expect(validateAttendee({ name: 'A', phone: '1'.repeat(16), email: '' }).phone).toBeDefined();
  });
});

describe('validateSignup', () => {
  it('requires name, e-mail and an 8+ character password', () => {
    expect(hasErrors(validateSignup({ name: 'A', email: 'a@b.co', password: '12345678' }))).toBe(false);
    expect(validateSignup({ name: '', email: 'a@b', password: 'short' })).toMatchObject({
      name: expect.any(String),
      email: expect.any(String),
      password: expect.any(String),
    });
  });
  it('knows an e-mail when it sees one', () => {
    expect(validEmail('x@y.dev')).toBe(true);
    expect(validEmail('x@@y.dev')).toBe(false);
    expect(validEmail('x y@z.dev')).toBe(false);
    expect(validEmail('@z.dev')).toBe(false);
  });
});
