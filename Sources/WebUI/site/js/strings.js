// Every text the UI shows comes from here: one file per language (i18n/en.js, de.js, fr.js),
// the language chosen from the browser or in Settings. `{name}` marks a value; a count picks
// its plural form (`key_one`, `key_few`, … as Intl.PluralRules names them; `key` is "other").
// The server's messages are English: the page shows its own text for each stable error_type.
import en from "./i18n/en.js";
import de from "./i18n/de.js";
import fr from "./i18n/fr.js";

export const LANGUAGES = { en: "English", de: "Deutsch", fr: "Français" };
const TEXTS = { en, de, fr };
const STORAGE_KEY = "musicbox.language";

function chosen() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && TEXTS[saved]) return saved;
  for (const wanted of navigator.languages ?? [navigator.language]) {
    const code = String(wanted || "").toLowerCase().split("-")[0];
    if (TEXTS[code]) return code;
  }
  return "en";
}

/** The page's language ("en", "de" or "fr"). */
export const language = chosen();
const strings = TEXTS[language];
const plurals = new Intl.PluralRules(language);
document.documentElement.lang = language;

/** Keeps `code` for this browser and shows the page in it. */
export function setLanguage(code) {
  if (!TEXTS[code]) return;
  localStorage.setItem(STORAGE_KEY, code);
  location.reload();
}

/** The text for `key` with `{name}` replaced from `values` (English when a key is missing). */
export function t(key, values = {}) {
  let name = key;
  if (typeof values.count === "number") {
    const form = `${key}_${plurals.select(values.count)}`;
    if (form in strings || form in en) name = form;
  }
  const text = strings[name] ?? en[name] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, field) => (field in values ? String(values[field]) : `{${field}}`));
}

/** What to tell a person of a failed request, in the page's language: the page's own words for
 * its error_type and reason when it has them (a file that is no music, quiet time); otherwise in
 * English the server's sentence (the most precise there is), in the others the words for its
 * error_type. Never a bare code. */
export function errorText(error) {
  const reason = error?.details?.reason;
  if (reason && `error_${error.code}_${reason}` in strings) return t(`error_${error.code}_${reason}`, error.details);
  if (language === "en" && error?.message) return error.message;
  return `error_${error?.code}` in strings ? t(`error_${error.code}`, error.details ?? {}) : (error?.message ?? String(error));
}

/** A tag as a person reads it: not its 8–20 hex digits but their last four ("ending in B2C3"),
 * enough to tell a family's tags apart (the whole id stays in the element's title). */
export function tagName(id) {
  const text = String(id ?? "");
  return t("tag_short", { end: text.slice(-4).toUpperCase() });
}

/** A clock time ("19:30" or "7:30 PM") in the page's language. */
export function clock(date) {
  return new Date(date).toLocaleTimeString(language, { hour: "2-digit", minute: "2-digit" });
}

/** A day ("2.12.2026") in the page's language. */
export function day(date) {
  return new Date(date).toLocaleDateString(language);
}
/** 185000 → "3:05"; an hour or more → "1:02:05". */
export function duration(ms) {
  const total = Math.max(0, Math.floor((ms || 0) / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? `${h}:` : "") + `${mm}:${String(s).padStart(2, "0")}`;
}

export function bytes(n) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n, unit = 0;
  while (value >= 1000 && unit < units.length - 1) { value /= 1000; unit += 1; }
  return `${value.toFixed(value < 10 && unit ? 1 : 0)} ${units[unit]}`;
}
