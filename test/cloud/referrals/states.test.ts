import t from 'tap';
import { ROLES } from '../../../cloud/tenancy/context.ts';
import { decideTransition, OPEN_STATES, REFERRAL_STATES, sideOf, TRANSITIONS, type ReferralState, type Side } from '../../../cloud/referrals/states.ts';

const key = (from: ReferralState, to: ReferralState) => `${from}->${to}`;
const LEGAL: Record<string, { side: Side; appointment?: boolean }> = {
  [key('draft', 'requested')]: { side: 'sender' },
  [key('draft', 'cancelled')]: { side: 'sender' },
  [key('requested', 'received')]: { side: 'receiver' },
  [key('received', 'accepted')]: { side: 'receiver' },
  [key('received', 'rejected')]: { side: 'receiver' },
  [key('accepted', 'in-progress')]: { side: 'receiver', appointment: true },
  [key('in-progress', 'completed')]: { side: 'receiver' },
  [key('requested', 'cancelled')]: { side: 'sender' },
  [key('received', 'cancelled')]: { side: 'sender' },
  [key('accepted', 'cancelled')]: { side: 'sender' },
  [key('in-progress', 'cancelled')]: { side: 'sender' },
};

t.test('every (from, to, side, role) pair: only the listed moves, by a clinician of the right side', async (t) => {
  t.equal(TRANSITIONS.length, Object.keys(LEGAL).length, 'the table has exactly the legal moves');
  for (const from of REFERRAL_STATES) {
    for (const to of REFERRAL_STATES) {
      for (const side of ['sender', 'receiver'] as const) {
        for (const role of ROLES) {
          const legal = LEGAL[key(from, to)];
          const expected = legal !== undefined && legal.side === side && role === 'clinician';
          const verdict = decideTransition({ state: from, to, side, role, appointmentAt: '2026-12-01T10:00:00Z' });
          if (verdict.ok !== expected) t.fail(`${from} -> ${to} by ${side} ${role}: expected ${expected ? 'allowed' : 'refused'}`);
        }
      }
    }
  }
  t.pass('checked all pairs');
});

t.test('booking needs an appointment time; a refusal says why', async (t) => {
  const without = decideTransition({ state: 'accepted', to: 'in-progress', side: 'receiver', role: 'clinician' });
  t.same(without, { ok: false, reason: 'Booking (in-progress) needs appointmentAt' });
  const final = decideTransition({ state: 'completed', to: 'requested', side: 'sender', role: 'clinician' });
  t.match(final, { ok: false, reason: /completed is final/ });
  const wrongSide = decideTransition({ state: 'requested', to: 'received', side: 'sender', role: 'clinician' });
  t.match(wrongSide, { ok: false, reason: /Only the receiver/ });
});

t.test('open states: sent and not ended', async (t) => {
  t.same([...OPEN_STATES].sort(), ['accepted', 'in-progress', 'received', 'requested']);
});

t.test('sides swap with the direction', async (t) => {
  t.equal(sideOf('referral', 'home', 'home', 'hosp'), 'sender');
  t.equal(sideOf('referral', 'hosp', 'home', 'hosp'), 'receiver');
  t.equal(sideOf('back-referral', 'hosp', 'home', 'hosp'), 'sender');
  t.equal(sideOf('back-referral', 'home', 'home', 'hosp'), 'receiver');
  t.equal(sideOf('referral', 'other', 'home', 'hosp'), undefined);
});
