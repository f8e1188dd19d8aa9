// The rules of a new UKey PIN (A3), checked as the clerk types so the dialog says what is
// wrong before the key is asked (a wrong old PIN costs a try; a rule break should not).
// The workstation core checks the same rules again (same codes) and is the authority.
import type { ErrorCode } from '../bindings'

export type PinRuleBreak = { code: ErrorCode; message: string }

/** The first rule the new PIN breaks, or null when it can be used. */
export function pinRule(oldPin: string, newPin: string, confirm: string): PinRuleBreak | null {
  const chars = [...newPin]
  if (chars.length < 6 || chars.length > 16) return { code: 'ukey.new_pin_length', message: '新PIN码长度应为6至16位。' }
  if (newPin === oldPin) return { code: 'ukey.new_pin_same_as_old', message: '新PIN码不能与原PIN码相同。' }
  if (chars.every((c) => c === chars[0]))
    return { code: 'ukey.new_pin_trivial', message: '新PIN码不能全部是同一个数字或字符，请设置不易猜到的PIN码。' }
  if (newPin !== confirm) return { code: 'ukey.new_pin_mismatch', message: '两次输入的新PIN码不一致，请重新输入。' }
  return null
}

/** Why the new PIN cannot be used, or null when it can. */
export function pinRuleError(oldPin: string, newPin: string, confirm: string): string | null {
  return pinRule(oldPin, newPin, confirm)?.message ?? null
}

/** Whether the form can be sent: the old PIN typed and the new one keeping the rules. */
export function canSubmitPinChange(oldPin: string, newPin: string, confirm: string): boolean {
  return oldPin.length > 0 && pinRule(oldPin, newPin, confirm) === null
}
