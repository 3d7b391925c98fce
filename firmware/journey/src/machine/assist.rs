//! Three ways of using the kiosk without the screen or without acting by mistake, as VotingWorks
//! VxMark offers them (docs/accessibility.md): audio-only mode (the screen blanked for privacy,
//! speech forced on; a long `0` or the settings button), learning the keys (each key says what it
//! does on this screen and does nothing; a long Enter on the attract screen or the settings
//! button starts it, a long Cancel ends it) and explore by touch (in speech mode the first touch
//! on a button says it, a second touch on it or Enter does it). All three live in the session,
//! so they end with it.

use super::Flow;
use crate::action::Action;
use crate::effect::Effect;
use crate::event::{Event, Step};
use crate::prompts;
use crate::session::{Lang, Screen};

fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

impl Flow {
    /// Takes the events these modes decide; gives back what the journey handles as usual (a
    /// second touch as a tap, a long Enter off the attract screen as Enter).
    pub(super) fn assist(&mut self, event: Event, fx: &mut Vec<Effect>) -> Option<Event> {
        if self.session.learning {
            return self.learn(event, fx);
        }
        match event {
            Event::ToggleAudioOnly => {
                self.toggle_audio_only(fx);
                None
            }
            Event::LearnKeys if self.screen == Screen::Attract => {
                self.start_learning(fx);
                None
            }
            Event::LearnKeys => {
                self.session.explored = None;
                Some(Event::Activate)
            }
            Event::LeaveLearnKeys => None,
            Event::Explore(action) => self.explore(action, fx),
            event @ (Event::Do(_) | Event::Activate | Event::FocusNext | Event::FocusPrev) => {
                self.session.explored = None;
                Some(event)
            }
            event => Some(event),
        }
    }

    /// Audio-only mode on or off: on, the screen blanks and speech is on until it is off again;
    /// each change is said.
    pub(super) fn toggle_audio_only(&mut self, fx: &mut Vec<Effect>) {
        let on = !self.session.prefs.audio_only;
        self.session.prefs.audio_only = on;
        if on {
            self.session.prefs.speech = true;
        }
        fx.push(Effect::Show(self.screen));
        let text = match on {
            true => pick(
                self.lang(),
                "حالت فقط صدا روشن شد: صفحه خاموش است و همه چیز گفته می‌شود. برای روشن کردن صفحه، کلید صفر را نگه دارید.",
                "Audio-only mode is on: the screen is off and everything is spoken. To turn the screen on again, hold the zero key.",
            ),
            false => pick(
                self.lang(),
                "حالت فقط صدا خاموش شد: صفحه دوباره روشن است.",
                "Audio-only mode is off: the screen is on again.",
            ),
        };
        self.say(text, true, fx);
    }

    /// Learning the keys starts (speech on): from now on a key says what it does here.
    pub(super) fn start_learning(&mut self, fx: &mut Vec<Effect>) {
        self.session.learning = true;
        self.session.prefs.speech = true;
        self.session.explored = None;
        fx.push(Effect::Show(self.screen));
        let text = pick(
            self.lang(),
            "آموزش کلیدها: هر کلیدی را بزنید تا بشنوید در این صفحه چه می‌کند؛ کاری انجام نمی‌شود. برای پایان، کلید لغو را نگه دارید.",
            "Learning the keys: press any key to hear what it does on this screen; nothing is done. To stop, hold the Cancel key.",
        );
        self.say(text, true, fx);
    }

    /// While learning: a key is explained and not done; a tap says its button; a long Cancel
    /// (or the settings button again) ends it. Anything else (a card, a printer's answer, the
    /// clock) is handled as usual.
    fn learn(&mut self, event: Event, fx: &mut Vec<Effect>) -> Option<Event> {
        if matches!(
            event,
            Event::LeaveLearnKeys
                | Event::Do(Action::LearnKeys)
                | Event::Explore(Action::LearnKeys)
        ) {
            self.session.learning = false;
            fx.push(Effect::Show(self.screen));
            let text = pick(
                self.lang(),
                "آموزش کلیدها تمام شد؛ کلیدها دوباره کار می‌کنند.",
                "Learning the keys is over; the keys work again.",
            );
            self.say(text, true, fx);
            // Where the visitor is, queued behind.
            self.announce(fx);
            return None;
        }
        match self.explain(&event) {
            Some(text) => {
                self.speak(text, true, fx);
                None
            }
            None => Some(event),
        }
    }

    /// What a key (or a tap) does on this screen, said while learning the keys; `None` for an
    /// event that is not the visitor's key or tap.
    fn explain(&self, event: &Event) -> Option<String> {
        let lang = self.lang();
        let label = |a: &Action| prompts::action_label(a, lang, &self.settings.catalogue);
        let actions = self.actions();
        let count = actions.len();
        let fmt = |fa: String, en: String| match lang {
            Lang::Fa => fa,
            Lang::En => en,
        };
        Some(match event {
            Event::Digit(d) => {
                let n = prompts::digits_for(lang, &d.to_string());
                let mut text = if self.has_field() {
                    fmt(
                        format!("کلید {n}: رقم {n} را در خانه می‌نویسد."),
                        format!("Key {d}: types {d} into the field."),
                    )
                } else {
                    fmt(
                        format!("کلید {n}: در این صفحه کاری نمی‌کند."),
                        format!("Key {d}: does nothing on this screen."),
                    )
                };
                if *d == 0 {
                    text.push(' ');
                    text.push_str(&audio_only_key(lang));
                }
                text
            }
            Event::FocusNext | Event::FocusPrev => {
                let down = matches!(event, Event::FocusNext);
                let (fa_key, en_key, fa_dir, en_dir) = match down {
                    true => ("پایین", "Down", "بعدی", "next"),
                    false => ("بالا", "Up", "قبلی", "previous"),
                };
                if count == 0 {
                    fmt(
                        format!("کلید {fa_key}: در این صفحه گزینه‌ای نیست."),
                        format!("{en_key}: there is nothing to move to on this screen."),
                    )
                } else {
                    let f = self.session.focus;
                    let to = match down {
                        true => (f + 1) % count,
                        false => (f + count - 1) % count,
                    };
                    let to = label(&actions[to]);
                    fmt(
                        format!("کلید {fa_key}: به گزینه‌ی {fa_dir} می‌رود، اینجا «{to}»."),
                        format!("{en_key}: moves to the {en_dir} choice, here «{to}»."),
                    )
                }
            }
            Event::Activate => match self.focused() {
                Some(action) => {
                    let now = label(&action);
                    fmt(
                        format!("کلید ورود: گزینه‌ی انتخاب‌شده را انجام می‌دهد، اکنون «{now}»."),
                        format!("Enter: does the selected choice, now «{now}»."),
                    )
                }
                None => pick(
                    lang,
                    "کلید ورود: در این صفحه کاری نمی‌کند.",
                    "Enter: does nothing on this screen.",
                ),
            },
            Event::LearnKeys => pick(
                lang,
                "نگه‌داشتن کلید ورود در صفحه‌ی آغاز، آموزش کلیدها را شروع می‌کند.",
                "Holding Enter on the start screen starts learning the keys.",
            ),
            Event::Do(Action::Back) | Event::Do(Action::Cancel) => {
                let what = match self.screen {
                    Screen::Attract => pick(
                        lang,
                        "کلید لغو: در این صفحه کاری نمی‌کند.",
                        "Cancel: does nothing on this screen.",
                    ),
                    Screen::Identify | Screen::FollowUpEntry => pick(
                        lang,
                        "کلید لغو: جلسه را تمام می‌کند.",
                        "Cancel: ends the session.",
                    ),
                    Screen::Accessibility | Screen::CallStaff => pick(
                        lang,
                        "کلید لغو: به جایی که بودید برمی‌گردد.",
                        "Cancel: returns to where you were.",
                    ),
                    _ => pick(
                        lang,
                        "کلید لغو: یک مرحله به عقب برمی‌گردد.",
                        "Cancel: goes back one step.",
                    ),
                };
                let leave = pick(
                    lang,
                    "برای پایان آموزش کلیدها، کلید لغو را نگه دارید.",
                    "Hold Cancel to stop learning the keys.",
                );
                format!("{what} {leave}")
            }
            Event::Do(Action::CallStaff) => pick(
                lang,
                "کلید درخواست کمک: یکی از همکاران را خبر می‌کند.",
                "Call staff: calls a staff member to help you.",
            ),
            Event::Backspace | Event::ClearEntry => match self.has_field() {
                true => pick(
                    lang,
                    "کلید پاک کردن: آخرین نویسه را پاک می‌کند؛ نگه‌داشتن آن همه را پاک می‌کند.",
                    "Clear: deletes the last character; holding it deletes them all.",
                ),
                false => pick(
                    lang,
                    "کلید پاک کردن: در این صفحه چیزی برای پاک کردن نیست.",
                    "Clear: there is nothing to delete on this screen.",
                ),
            },
            Event::Help | Event::Repeat => pick(
                lang,
                "کلید راهنما: این صفحه و کلیدهایش را توضیح می‌دهد؛ نگه‌داشتن آن آخرین پیام را تکرار می‌کند.",
                "Help: explains this screen and its keys; holding it repeats the last message.",
            ),
            Event::Volume(Step::Up) => pick(
                lang,
                "کلید افزایش صدا: صدا را بلندتر می‌کند.",
                "Volume up: makes the speech louder.",
            ),
            Event::Volume(Step::Down) => pick(
                lang,
                "کلید کاهش صدا: صدا را آهسته‌تر می‌کند.",
                "Volume down: makes the speech quieter.",
            ),
            Event::Speed(Step::Up) => pick(
                lang,
                "کلید افزایش سرعت: گفتار را تندتر می‌کند.",
                "Speed up: makes the speech faster.",
            ),
            Event::Speed(Step::Down) => pick(
                lang,
                "کلید کاهش سرعت: گفتار را کندتر می‌کند.",
                "Speed down: makes the speech slower.",
            ),
            Event::ToggleAudioOnly => audio_only_key(lang),
            Event::Char(c) => {
                let c = prompts::echo(lang, *c);
                fmt(
                    format!("این کلید «{c}» را می‌نویسد."),
                    format!("This key types «{c}»."),
                )
            }
            Event::Do(action) | Event::Explore(action) => label(action),
            _ => return None,
        })
    }

    /// Explore by touch: in speech mode the first touch on a button says it (and whether it
    /// is selected or on) and moves the focus ring onto it, so Enter does it; a second touch on
    /// it does it. Without speech a touch is a tap.
    fn explore(&mut self, action: Action, fx: &mut Vec<Effect>) -> Option<Event> {
        if !self.session.prefs.speech || self.session.explored.as_ref() == Some(&action) {
            self.session.explored = None;
            return Some(Event::Do(action));
        }
        if let Some(at) = self.actions().iter().position(|a| *a == action) {
            self.session.focus = at;
        }
        let text = self.touched(&action);
        self.session.explored = Some(action);
        self.say(text, true, fx);
        None
    }

    /// What a first touch says: the button's label, its state when it has one, and how to do it.
    fn touched(&self, action: &Action) -> String {
        let lang = self.lang();
        let prefs = self.session.prefs;
        let label = prompts::action_label(action, lang, &self.settings.catalogue);
        let selected = |yes: bool| match yes {
            true => pick(lang, "انتخاب شده", "selected"),
            false => pick(lang, "انتخاب نشده", "not selected"),
        };
        let on = |yes: bool| match yes {
            true => pick(lang, "روشن", "on"),
            false => pick(lang, "خاموش", "off"),
        };
        let state = match action {
            Action::SetLang(l) => Some(selected(*l == prefs.lang)),
            Action::SetTheme(t) => Some(selected(*t == prefs.theme)),
            Action::SetTextSize(s) => Some(selected(*s == prefs.text_size)),
            Action::ToggleLowReach => Some(on(prefs.low_reach)),
            Action::ToggleSpeech => Some(on(prefs.speech)),
            Action::ToggleAudioOnly => Some(on(prefs.audio_only)),
            Action::LearnKeys => Some(on(self.session.learning)),
            Action::ToggleNoticeConsent => Some(selected(self.session.notice_consent)),
            _ => None,
        };
        let again = pick(
            lang,
            "برای انجام، دوباره لمس کنید یا کلید ورود را بزنید.",
            "Touch again or press Enter to do it.",
        );
        match (state, lang) {
            (Some(state), Lang::Fa) => format!("{label}، {state}. {again}"),
            (Some(state), Lang::En) => format!("{label}, {state}. {again}"),
            (None, _) => format!("{label}. {again}"),
        }
    }
}

/// What holding the `0` key does.
fn audio_only_key(lang: Lang) -> String {
    pick(
        lang,
        "نگه‌داشتن کلید صفر حالت فقط صدا را روشن یا خاموش می‌کند: صفحه خاموش می‌شود و همه چیز گفته می‌شود.",
        "Holding the zero key turns audio-only mode on or off: the screen goes dark and everything is spoken.",
    )
}
