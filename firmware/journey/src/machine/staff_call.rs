//! What the call-staff screen tells the visitor, and only what is true: staff are said to be
//! on their way only once an alert really went out — the kiosk's own LED or buzzer
//! ([`Flow::set_staff_reachable`]), or the office's desk terminals, once the agency server
//! took the call ([`Event::StaffCall`] with [`StaffCallNews::DesksTold`]). Until the server
//! answers, a kiosk without LEDs says it is calling; when the server cannot be reached, the
//! visitor is told so and where to go. When a member of staff acknowledges the call at a desk,
//! the visitor hears that someone saw it and is coming.
//!
//! The device sends the news (firmware/app/src/device/call_relay.rs); the flow only decides
//! the words and says them again when they change while the call-staff screen shows.

use super::Flow;
use crate::effect::Effect;
use crate::session::{Lang, Screen};

/// What the office's desk terminals know of the visitor's call (a kiosk linked to the
/// agency server: [`Flow::set_desks_linked`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffCallNews {
    /// The call is on its way to the agency server (no answer yet).
    Calling,
    /// The agency server took the call: every desk terminal shows it.
    DesksTold,
    /// The agency server could not be reached: no desk knows of the call.
    DesksUnreachable,
    /// A member of staff acknowledged the call at a desk terminal.
    Acknowledged,
}

fn pick(lang: Lang, fa: &str, en: &str) -> String {
    match lang {
        Lang::Fa => fa.to_owned(),
        Lang::En => en.to_owned(),
    }
}

impl Flow {
    /// Says whether this kiosk hands calls to the office's desk terminals (through the agency
    /// server): its call-staff screen then waits for the server's answer before it promises
    /// anything, unless the kiosk's own LED or buzzer already called.
    pub fn set_desks_linked(&mut self, linked: bool) {
        self.desks = linked.then_some(StaffCallNews::Calling);
    }

    /// What the desks know of the call now (`None`: this kiosk is not linked to them).
    pub fn desks(&self) -> Option<StaffCallNews> {
        self.desks
    }

    /// News of the visitor's call from the device: kept, and said again when the call-staff
    /// screen shows and its words changed.
    pub(super) fn staff_call_news(&mut self, news: StaffCallNews, fx: &mut Vec<Effect>) {
        if self.desks.is_none() {
            return;
        }
        let before = self.call_staff_title();
        self.desks = Some(news);
        if self.screen == Screen::CallStaff && self.call_staff_title() != before {
            fx.push(Effect::Show(Screen::CallStaff));
            let title = self.title();
            self.say(title, true, fx);
        }
    }

    /// A new call was raised: the desks have not answered yet.
    pub(super) fn staff_call_raised(&mut self) {
        if self.desks.is_some() {
            self.desks = Some(StaffCallNews::Calling);
        }
    }

    /// The call-staff screen's title.
    pub(super) fn call_staff_title(&self) -> String {
        let lang = self.lang();
        let local = self.staff_reachable;
        match self.desks {
            // No office server: the kiosk's own LED or buzzer, or nothing.
            None if local => super::prompts::screen_prompt(Screen::CallStaff, lang),
            None => super::prompts::staff_unreachable(lang, &self.desk),
            Some(StaffCallNews::Acknowledged) => pick(
                lang,
                "یکی از همکاران درخواست کمک شما را دید و به سوی شما می‌آید.",
                "A staff member saw your call and is on the way.",
            ),
            Some(StaffCallNews::DesksTold) => pick(
                lang,
                "همکاران در میزهای خدمت خبر شدند؛ یکی از آنان به کمک شما می‌آید.",
                "The service desks have been told; a staff member is coming to help you.",
            ),
            Some(StaffCallNews::Calling) if local => {
                super::prompts::screen_prompt(Screen::CallStaff, lang)
            }
            Some(StaffCallNews::Calling) => pick(
                lang,
                "در حال خبر کردن همکاران؛ لطفاً چند لحظه صبر کنید.",
                "Calling staff; please wait a moment.",
            ),
            Some(StaffCallNews::DesksUnreachable) if local => match (lang, self.desk.trim()) {
                (Lang::Fa, "") => {
                    "چراغ و زنگ این دستگاه همکاران نزدیک را خبر می‌کند، اما میزهای خدمت \
                     خبر نشدند؛ اگر کسی نیامد، به میز ارتباطات مردمی مراجعه کنید."
                        .to_owned()
                }
                (Lang::Fa, desk) => format!(
                    "چراغ و زنگ این دستگاه همکاران نزدیک را خبر می‌کند، اما میزهای خدمت خبر \
                     نشدند؛ اگر کسی نیامد، به {desk} مراجعه کنید."
                ),
                (Lang::En, "") => "This kiosk's light and buzzer call staff nearby, but the \
                     service desks could not be told; if nobody comes, go to the people's \
                     communications desk."
                    .to_owned(),
                (Lang::En, desk) => format!(
                    "This kiosk's light and buzzer call staff nearby, but the service desks \
                     could not be told; if nobody comes, go to the desk: {desk}."
                ),
            },
            Some(StaffCallNews::DesksUnreachable) => {
                super::prompts::staff_unreachable(lang, &self.desk)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Event, FlowSettings};

    fn linked(local: bool) -> Flow {
        let mut flow = Flow::new(FlowSettings {
            national_code_policy: kiosk_core::NationalCodePolicy::default(),
            catalogue: kiosk_core::Catalogue::default(),
            max_extensions: 10,
        });
        flow.set_staff_reachable(local, "میز ارتباطات مردمی طبقه‌ی همکف");
        flow.set_desks_linked(true);
        flow.step(Event::HeadphonesIn);
        flow
    }

    fn said(fx: &[Effect]) -> Vec<&str> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Speak { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn without_leds_staff_are_promised_only_once_the_desks_were_told() {
        let mut flow = linked(false);
        let fx = flow.step(Event::Do(Action::CallStaff));
        assert!(!said(&fx).concat().contains("می‌آید"), "{:?}", said(&fx));
        assert!(flow.title().contains("صبر کنید"), "{}", flow.title());
        let fx = flow.step(Event::StaffCall(StaffCallNews::DesksTold));
        assert!(said(&fx)[0].contains("می‌آید"), "{:?}", said(&fx));
        let fx = flow.step(Event::StaffCall(StaffCallNews::DesksTold));
        assert!(said(&fx).is_empty(), "the same news is not said twice");
        let fx = flow.step(Event::StaffCall(StaffCallNews::Acknowledged));
        assert!(said(&fx)[0].contains("دید"), "{:?}", said(&fx));
    }

    #[test]
    fn an_unreachable_server_sends_the_visitor_to_the_desk_or_says_only_the_light_called() {
        let mut flow = linked(false);
        flow.step(Event::Do(Action::CallStaff));
        let fx = flow.step(Event::StaffCall(StaffCallNews::DesksUnreachable));
        let words = said(&fx).concat();
        assert!(words.contains("طبقه‌ی همکف"), "{words}");
        assert!(!words.contains("می‌آید"), "{words}");

        let mut flow = linked(true);
        let fx = flow.step(Event::Do(Action::CallStaff));
        assert!(
            said(&fx)[0].contains("می‌آید"),
            "the LED already called: {:?}",
            said(&fx)
        );
        let fx = flow.step(Event::StaffCall(StaffCallNews::DesksUnreachable));
        let words = said(&fx).concat();
        assert!(
            words.contains("خبر نشدند") && words.contains("طبقه‌ی همکف"),
            "{words}"
        );
    }

    #[test]
    fn news_for_an_unlinked_kiosk_changes_nothing() {
        let mut flow = linked(false);
        flow.set_desks_linked(false);
        flow.step(Event::Do(Action::CallStaff));
        let before = flow.title();
        assert!(
            flow.step(Event::StaffCall(StaffCallNews::DesksTold))
                .is_empty()
        );
        assert_eq!(flow.title(), before);
    }
}
