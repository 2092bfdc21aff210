"""The intent matcher: table-driven cases, one comment per row."""

from __future__ import annotations

import pytest

from nlp import IntentMatcher, ServiceText

SERVICE_CASES = [
    ("میخوام برق سه فاز کنم", "capacity-change"),  # colloquial, no ZWNJ
    ("قبضم زیاد اومده", "bill-dispute"),  # colloquial participle
    ("كنتور تند ميندازه", "meter-test"),  # Arabic letters
    ("سیم برق افتاده تو کوچه", "safety-hazard"),  # fallen wire, not an outage
    ("تیر برق جلوی پارکینگمونه میخوایم جابجا بشه", "facility-relocation"),  # pole in the way
    ("چراغ سر کوچه روزا هم روشنه", "street-lighting"),  # lamp on by day
    ("برنامه قطعی برق فردا", "outage-schedule"),  # planned outage timetable
    ("برق کل ساختمون رفته", "outage-report"),  # power out now
    ("انشغاب جدید", "new-connection"),  # typo ع -> غ
    ("تعویظ کنتور", "meter-replacement"),  # typo ض -> ظ
    ("مفاصه حساب", "settlement"),  # typo and a space inside a compound
    ("کدپستی اشتباهه", "subscriber-info-update"),  # two words glued
    ("قطع موقت برق ویلا", "temporary-disconnect"),  # temporary cut, not removal
    ("بدهیمو دادم برقو وصل کنید", "reconnection"),  # cut for debt, now paid
    ("میخوام کنتورمو برای همیشه جمع کنید", "connection-removal"),  # permanent removal
    ("قبض برقمو گم کردم", "bill-duplicate"),  # lost bill
    ("چطوری قبضمو آنلاین بدم", "bill-payment"),  # pay
    ("تعرفه مغازمو از تجاری کنید خانگی", "tariff-change"),  # tariff
    ("کنتور به اسم فروشنده است", "name-change"),  # owner changed
]

TRACK_CASES = [
    ("کد رهگیری ۱۴۰۳۱۲ چی شد", "track"),  # tracking code and a status question
    ("درخواست انشعاب دادم هنوز خبری نشده", "track"),  # status question beats service words
    ("1402789456", "track"),  # a bare code
    ("peygiri darkhast", "track"),  # Finglish
    ("شماره موبایلم 09123456789 عوض شده", "subscriber-info-update"),  # a mobile is no code
]

NONE_CASES = [
    ("سلام", "none"),  # greeting only
    ("ممنون، خداحافظ", "none"),  # thanks and bye
    ("قبض آبم زیاد اومده", "none"),  # water bill: another company
    ("بوی گاز میاد", "none"),  # gas smell: the gas company's emergency
    ("اینترنت خونه قطعه", "none"),  # internet outage: not ours
    ("یارانه کی واریز میشه", "none"),  # subsidy
    ("هوای فردا چطوره", "none"),  # weather
]

NEGATION_CASES = [
    ("قبض نمی‌خوام، فقط می‌خوام بدونم کنتورم درسته", "meter-test"),  # reject, then ask
    ("المثنی نمیخوام، قبضم اشتباهه اعتراض دارم", "bill-dispute"),  # reject duplicate
]

FINGLISH_CASES = [
    ("salam bargh khoonamoon ghate", "outage-report"),  # outage in Finglish
    ("almosana ghabz", "bill-duplicate"),  # duplicate bill
    ("jadval khamooshi", "outage-schedule"),  # schedule
    ("fvr kn,hvdl", "outage-report"),  # «برق ندارم» on the wrong layout
]


@pytest.mark.parametrize(
    ("text", "code"),
    SERVICE_CASES + TRACK_CASES + NONE_CASES + NEGATION_CASES + FINGLISH_CASES,
)
def test_match(matcher: IntentMatcher, text: str, code: str) -> None:
    result = matcher.match(text)
    assert result.best == code, (result.decision, result.ranked[:3], result.normalized)


@pytest.mark.parametrize(("text", "code"), TRACK_CASES[:4])
def test_track_decision(matcher: IntentMatcher, text: str, code: str) -> None:
    assert matcher.match(text).decision == "track"


@pytest.mark.parametrize(("text", "code"), NONE_CASES)
def test_none_decision(matcher: IntentMatcher, text: str, code: str) -> None:
    result = matcher.match(text)
    assert result.decision == "none"
    assert result.candidates == ()


def test_result_shape(matcher: IntentMatcher) -> None:
    result = matcher.match("کنتور")  # one word shared by the meter services: offer them
    assert result.decision == "ambiguous"
    assert 1 <= len(result.candidates) <= 3
    assert set(result.candidates) <= set(result.top(3))
    assert result.ranked[0][0] == result.best
    assert sorted(code for code, _ in result.ranked) == sorted(matcher.codes)


def test_lexicon_alone_is_enough() -> None:
    """A service without a card (no title/description) is found from its lexicon."""
    matcher = IntentMatcher.from_catalog(
        [
            ServiceText("meter-test", keywords=("تست کنتور",)),
            ServiceText("settlement", keywords=("مفاصاحساب",)),
            ServiceText("none", keywords=("گاز",), negative=("برق",)),
        ]
    )
    assert matcher.match("درخواست تست کنتور").best == "meter-test"
    assert matcher.match("مفاصا حساب میخوام").best == "settlement"


COLLOQUIAL_SUFFIX_CASES = [
    ("جدول خاموشیای امروز", "outage-schedule"),  # colloquial plural «ای» on an indexed noun
    ("چراغای کوچه خاموشه", "street-lighting"),  # same suffix, another noun
    ("کی میاد وصلش کنه بدهیمو دادم", "reconnection"),  # «میاد»: می + آید
]

STATUS_CASES = [
    ("اعتراض ثبت کردم هنوز جوابی نیومده", "track"),  # filed, then waiting
    ("شکایت کرده بودم چی شد", "track"),  # past perfect filing + «چی شد»
    ("قبضمو پرداخت کردم کی وصل میشه", "reconnection"),  # a payment is not a filing
    ("نحوه ثبت درخواست انشعاب جدید", "new-connection"),  # «how to file» is not a status
]

FOREIGN_CASES = [
    ("شماره موبایلم عوض شده پیامک قبض نمیاد", "subscriber-info-update"),  # «قبض…موبایل» apart
    ("قبض موبایلم زیاد اومده", "none"),  # «قبض موبایل» together: the phone bill
    ("برای تعویض پلاک ماشین کجا برم", "none"),  # car plates: another agency
]


@pytest.mark.parametrize(("text", "code"), COLLOQUIAL_SUFFIX_CASES + STATUS_CASES + FOREIGN_CASES)
def test_general_mechanisms(matcher: IntentMatcher, text: str, code: str) -> None:
    result = matcher.match(text)
    assert result.best == code, (result.decision, result.ranked[:3], result.normalized)


# Another company's noun modifying one of our service nouns is that company's matter; the
# same noun near our meter as a plain word (flooding, an appliance) is not.
FOREIGN_MODIFIER_CASES = [
    ("درخواست انشعاب گاز برای ویلا", "none"),  # «انشعاب» is ours, «انشعاب گاز» is not
    ("تعرفه گاز صنعتی کارگاه چنده", "none"),  # utility noun right after the service noun
    ("قبض آبمون خیلی زیاد اومده", "none"),  # inflected utility noun («آبمون»)
    ("کنتور آب حیاط چکه میکنه", "none"),  # the water meter
    ("قبض اینترنتم نیومده", "none"),  # the internet bill
    ("قطع آب محله از صبح", "none"),  # a water cut: bare utility noun, no electricity word
    ("کنتور رو آب گرفته دیگه کار نمیکنه", "meter-replacement"),  # «رو» breaks the pattern
    ("کنتورمونو آب گرفته خراب شده", "meter-replacement"),  # object marker glued on the head
    ("انشعاب برق و گاز برای خونه جدید", "new-connection"),  # «برق» elsewhere keeps it ours
    ("کولر گازی روشن میشه فیوز میپره", "capacity-change"),  # an appliance, not the gas company
]

# No lexicon entry and no n-gram of any service: greetings, thanks and chat are `none`
# even when the learned model's noise ranks some service first.
OFF_DOMAIN_CASES = [
    ("و علیکم السلام", "none"),  # greeting reply; «علیکم» splits into lexicon words
    ("عصر شما هم بخیر", "none"),  # evening greeting
    ("دست شما درد نکنه", "none"),  # thanks; «دست» is a word of one phrase only
    ("خیلی ممنونم از شما", "none"),  # thanks that names no service (praise would)
    ("حالتون چطوره", "none"),  # small talk
]


@pytest.mark.parametrize(("text", "code"), FOREIGN_MODIFIER_CASES + OFF_DOMAIN_CASES)
def test_none_rules(matcher: IntentMatcher, text: str, code: str) -> None:
    result = matcher.match(text)
    assert result.best == code, (result.decision, result.ranked[:3], result.normalized)


SPLIT_CASES = [
    ("کنتورمونو", ["کنتورمونو"]),  # a term plus suffixes stays one word («کنتورمو»+«نو»)
    ("کدپستی", ["کد", "پستی"]),  # two lexicon words glued together are still split
]


@pytest.mark.parametrize(("word", "words"), SPLIT_CASES)
def test_merge_split(matcher: IntentMatcher, word: str, words: list[str]) -> None:
    assert matcher._merge([word]) == words


def test_learned_cache_matches_direct_scoring(matcher: IntentMatcher) -> None:
    """The per-word cache gives the same posterior as scoring the whole feature dict."""
    for text in ("قبض برقم زیاد اومده", "کد ۱۲۳۴۵۶۷ چی شد", "سلام سلام برق برق"):
        words = matcher._query_words(matcher._normalizer.normalize(text))
        direct = matcher._learned.probabilities(matcher._features(words))
        cached = matcher._learned_probabilities(words)
        assert cached.keys() == direct.keys()
        assert all(abs(cached[c] - direct[c]) < 1e-9 for c in direct)
