import { reactive } from 'vue';
import type { Staff } from '../shared/types';
import { storageGet, storageSet } from '../shared/util';

const TOKEN_KEY = 'kefu.console.token';
const STAFF_KEY = 'kefu.console.staff';

function loadStaff(): Staff | null {
  const raw = storageGet(sessionStorage, STAFF_KEY);
  if (!raw) return null;
  try {
    return JSON.parse(raw) as Staff;
  } catch {
    return null;
  }
}

/** The signed-in agent; the token lives in sessionStorage (one tab, gone when it closes). */
export const auth = reactive({
  token: storageGet(sessionStorage, TOKEN_KEY),
  staff: loadStaff(),
  /** Why the last session ended, shown on the login form ('unauthorized' when it expired). */
  endedBecause: null as string | null,
});

export function signIn(token: string, staff: Staff | null): void {
  auth.token = token;
  auth.staff = staff;
  auth.endedBecause = null;
  storageSet(sessionStorage, TOKEN_KEY, token);
  storageSet(sessionStorage, STAFF_KEY, staff ? JSON.stringify(staff) : null);
}

export function setStaff(staff: Staff): void {
  auth.staff = staff;
  storageSet(sessionStorage, STAFF_KEY, JSON.stringify(staff));
}

export function signOut(reason: string | null = null): void {
  auth.token = null;
  auth.staff = null;
  auth.endedBecause = reason;
  storageSet(sessionStorage, TOKEN_KEY, null);
  storageSet(sessionStorage, STAFF_KEY, null);
}
