"""Config loading: the shipped files load, and every kind of mistake names its file and key."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import (
    ConfigError,
    SiteConfig,
    default_config_dir,
    load_instrument,
    load_instruments,
    load_site,
    load_texts,
)
from kiosk.instruments import Text

CONFIG = default_config_dir()
EXPECTED_FORMS = {
    "checkin": "checkin",
    "support": "sliders",
    "psych_safety": "questions",
    "contribution": "note",
    "guldkorn": "questions",
    "exposures": "questions",
}


def all_texts(value: object) -> Iterator[Text]:
    """Yield every Text inside a config object, however deeply nested."""
    if isinstance(value, Text):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from all_texts(getattr(value, field.name))
    elif isinstance(value, tuple):
        for entry in value:
            yield from all_texts(entry)


def load_error(path: Path, **kwargs: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        if path.name == "texts.toml":
            load_texts(path)
        elif path.name == "kiosk.toml":
            load_site(path, **kwargs)
        else:
            load_instrument(path)
    return caught.value


# The shipped files


def test_every_shipped_instrument_loads_with_its_form() -> None:
    instruments = load_instruments(CONFIG / "instruments")
    assert {key: value.form for key, value in instruments.items()} == EXPECTED_FORMS
    assert all(instrument.version == 1 for instrument in instruments.values())


@pytest.mark.parametrize("instrument_id", sorted(EXPECTED_FORMS))
def test_every_text_has_both_languages(instrument_id: str) -> None:
    instrument = load_instrument(CONFIG / "instruments" / f"{instrument_id}.toml")
    texts = list(all_texts(instrument))
    assert len(texts) > len(instrument.items)
    for text in texts:
        assert text.da.strip() and text.en.strip()
        assert text.da != text.en or text.da == "Neutral"


def test_shipped_instruments_carry_the_seed_wording() -> None:
    instruments = load_instruments(CONFIG / "instruments")
    support = instruments["support"]
    practical = support.item("practical")
    assert practical.help == Text(
        "En hjælpende hånd, ekstra ressourcer, låne redskaber, osv.",
        "A helping hand, extra resources, borrowing tools, etc.",
    )
    assert [(at, text.da) for at, text in practical.anchors] == [
        (1, "Skru lidt ned"),
        (5, "Det er fint"),
        (10, "Jeg har brug for mere"),
    ]
    assert instruments["checkin"].item("score").label.da.startswith("På en skala fra 1 til 10")
    psych = instruments["psych_safety"]
    assert [option.id for option in psych.items[0].options] == [
        "meget_enig",
        "enig",
        "neutral",
        "uenig",
        "meget_uenig",
    ]
    assert psych.items[0].label.en == (
        "If you make a mistake on this team, it is often held against you"
    )
    assert not any(item.required for item in psych.items)
    exposures = instruments["exposures"]
    assert [option.id for option in exposures.items[0].options] == ["ja", "nej", "vil_ikke_svare"]
    assert exposures.min_group_text == 10
    assert len(exposures.prevention_examples) == 7
    assert instruments["contribution"].item("note").max_length == 280


def test_embedded_site_is_the_demo_default() -> None:
    site = load_site(CONFIG / "kiosk.toml")
    assert isinstance(site, SiteConfig)
    assert (site.site_name, site.demo, site.languages) == ("Demo-arbejdsplads", True, ("da", "en"))
    assert [instrument.id for instrument in site.instruments] == [
        "checkin",
        "support",
        "psych_safety",
        "contribution",
    ]
    assert (site.idle_seconds, site.thanks_seconds, site.min_pause_seconds) == (90, 5, 5.0)
    assert (site.date_granularity, site.theme, site.public_key) == ("week", "default", "")
    assert (site.min_group, site.min_group_text) == (5, 10)
    assert site.texts["da"]["thanks_title"] == "Tak!"


def test_shipped_texts_have_the_same_keys_in_both_languages() -> None:
    raw = tomllib.loads((CONFIG / "texts.toml").read_text(encoding="utf-8"))
    assert set(raw) == {"da", "en"}
    assert raw["da"].keys() == raw["en"].keys()
    assert load_texts(CONFIG / "texts.toml") == raw


# A site's own files over the embedded defaults


def test_site_file_needs_only_the_keys_it_changes(tmp_path: Path) -> None:
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text(
        '[site]\nname = "Afsnit 7"\ndemo = false\n[admin]\npublic_key = " tk1-abc "\n'
        '[kiosk]\ninstruments = ["exposures", "guldkorn"]\n',
        encoding="utf-8",
    )
    site = load_site(kiosk)
    assert (site.site_name, site.demo, site.public_key) == ("Afsnit 7", False, "tk1-abc")
    assert [instrument.id for instrument in site.instruments] == ["exposures", "guldkorn"]
    assert site.idle_seconds == 90
    assert site.source == kiosk


def test_site_instruments_folder_and_texts_are_used(tmp_path: Path) -> None:
    (tmp_path / "instruments").mkdir()
    support = (CONFIG / "instruments" / "support.toml").read_text(encoding="utf-8")
    (tmp_path / "instruments" / "support.toml").write_text(
        support.replace('da = "Vurdering af støtte"', 'da = "Støtte på afsnittet"'),
        encoding="utf-8",
    )
    (tmp_path / "kiosk.toml").write_text('[kiosk]\ninstruments = ["support"]\n', encoding="utf-8")
    (tmp_path / "texts.toml").write_text(
        '[da]\nthanks_title = "Tusind tak!"\n[en]\nthanks_title = "Thanks a lot!"\n',
        encoding="utf-8",
    )
    site = load_site(tmp_path / "kiosk.toml")
    assert site.instruments[0].title.da == "Støtte på afsnittet"
    assert site.texts["da"]["thanks_title"] == "Tusind tak!"
    assert site.texts["en"]["button_send"] == "Send"
    explicit = load_site(tmp_path / "kiosk.toml", instruments_dir=CONFIG / "instruments")
    assert explicit.instruments[0].title.da == "Vurdering af støtte"


# Mistakes in kiosk.toml


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[kiosk]\nidle_seconds = 5",
            "kiosk.toml: kiosk.idle_seconds: must be at least 15 (got 5)",
        ),
        ('[kiosk]\nidle_seconds = "90"', "kiosk.toml: kiosk.idle_seconds: must be a whole number"),
        ("[kiosk]\nthanks_seconds = 0", "kiosk.toml: kiosk.thanks_seconds: must be at least 1"),
        ("[kiosk]\nmin_pause_seconds = -1", "kiosk.toml: kiosk.min_pause_seconds: must be a"),
        ('[kiosk]\ntheme = "dark"', "kiosk.toml: kiosk.theme: unknown value 'dark'"),
        (
            '[kiosk]\ndate_granularity = "weak"',
            "kiosk.toml: kiosk.date_granularity: unknown value 'weak' – did you mean 'week'?",
        ),
        ('[kiosk]\nlanguages = ["da", "de"]', "kiosk.toml: kiosk.languages: unknown value 'de'"),
        ("[kiosk]\nlanguages = []", "kiosk.toml: kiosk.languages: needs at least one language"),
        (
            '[kiosk]\ninstruments = ["suport"]',
            "kiosk.toml: kiosk.instruments: unknown tool 'suport' – did you mean 'support'?",
        ),
        (
            '[kiosk]\ninstruments = ["support", "support"]',
            "kiosk.toml: kiosk.instruments: tool 'support' appears twice",
        ),
        ('[site]\ndemo = "yes"', "kiosk.toml: site.demo: must be true or false"),
        ('[site]\nname = "  "', "kiosk.toml: site.name: is empty"),
        ("[report]\nmin_group = 2", "kiosk.toml: report.min_group: must be at least 3 (got 2)"),
        (
            "[report]\nmin_group = 8\nmin_group_text = 6",
            "kiosk.toml: report.min_group_text: must be at least min_group (8), got 6",
        ),
        (
            "[kiosk]\nidel_seconds = 30",
            "kiosk.toml: kiosk: unknown key 'idel_seconds' – did you mean 'idle_seconds'?",
        ),
        ("[kiosks]\nidle_seconds = 30", "kiosk.toml: unknown key 'kiosks' – did you mean 'kiosk'?"),
        ("kiosk = 3", "kiosk.toml: kiosk: must be a table"),
        (
            "[kiosk]\nidle_seconds = 30\n\nbad line here",
            "kiosk.toml: line 4, column 5: not valid TOML",
        ),
    ],
)
def test_site_mistakes_name_file_and_key(tmp_path: Path, toml: str, message: str) -> None:
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text(toml + "\n", encoding="utf-8")
    assert str(load_error(kiosk)).startswith(message)


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[kiosk]\nmin_pause_seconds = inf", "kiosk.min_pause_seconds"),
        ("[kiosk]\nmin_pause_seconds = nan", "kiosk.min_pause_seconds"),
        ("[kiosk]\nmin_pause_seconds = 1e300", "kiosk.min_pause_seconds"),
        ("[kiosk]\nmin_pause_seconds = -0.5", "kiosk.min_pause_seconds"),
        ("[kiosk]\nidle_seconds = 9223372036854775807", "kiosk.idle_seconds"),
        ("[kiosk]\nidle_seconds = 86400", "kiosk.idle_seconds"),
        ("[kiosk]\nthanks_seconds = 100000", "kiosk.thanks_seconds"),
        ("[report]\nmin_group = 9223372036854775807", "report.min_group"),
        ("[report]\nmin_group_text = 9223372036854775807", "report.min_group_text"),
    ],
)
def test_absurd_numbers_are_refused_naming_file_and_key(
    tmp_path: Path, toml: str, key: str
) -> None:
    """inf crashed the welcome screen after each answer and 1e300 locked the menu for good."""
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text(toml + "\n", encoding="utf-8")
    error = load_error(kiosk)
    assert (error.path, error.key) == (kiosk, key)
    assert str(error).startswith(f"kiosk.toml: {key}: must be")


def test_the_largest_sane_numbers_still_load(tmp_path: Path) -> None:
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text(
        "[kiosk]\nidle_seconds = 3600\nthanks_seconds = 3600\nmin_pause_seconds = 600.0\n"
        "[report]\nmin_group = 1000\nmin_group_text = 1000\n",
        encoding="utf-8",
    )
    site = load_site(kiosk)
    assert (site.idle_seconds, site.min_pause_seconds, site.min_group_text) == (3600, 600.0, 1000)


def test_typo_suggestion_is_available_to_callers(tmp_path: Path) -> None:
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text("[report]\nmin_grup = 5\n", encoding="utf-8")
    error = load_error(kiosk)
    assert (error.path, error.key, error.suggestion) == (kiosk, "report", "min_group")


def test_unrelated_unknown_key_gets_no_suggestion(tmp_path: Path) -> None:
    kiosk = tmp_path / "kiosk.toml"
    kiosk.write_text("[kiosk]\nwallpaper = 'sea'\n", encoding="utf-8")
    error = load_error(kiosk)
    assert error.suggestion is None
    assert str(error) == "kiosk.toml: kiosk: unknown key 'wallpaper'"


def test_unreadable_and_non_utf8_files_are_config_errors(tmp_path: Path) -> None:
    assert str(load_error(tmp_path / "kiosk.toml")).startswith("kiosk.toml: cannot be read")
    (tmp_path / "kiosk.toml").write_bytes(b'[site]\nname = "K\xf8kken"\n')
    assert str(load_error(tmp_path / "kiosk.toml")).startswith("kiosk.toml: line 2: is not UTF-8")


# Mistakes in an instrument file

HEAD = """id = "demo"
version = 1
form = "{form}"
source = "test"
title = {{ da = "Titel", en = "Title" }}
intro = {{ da = "Indledning", en = "Introduction" }}
"""
SCALE = """[[items]]
id = "a"
kind = "scale"
min = 1
max = 10
label = { da = "A", en = "A" }
"""
CHOICE = """[[items]]
id = "q"
kind = "choice"
label = { da = "Q", en = "Q" }
options = [
    { id = "x", label = { da = "X", en = "X" } },
    { id = "y", label = { da = "Y", en = "Y" } },
]
"""


def write_instrument(folder: Path, form: str, body: str, name: str = "demo") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(HEAD.format(form=form) + body, encoding="utf-8")
    return path


def test_minimal_instruments_load(tmp_path: Path) -> None:
    assert load_instrument(write_instrument(tmp_path, "sliders", SCALE)).items[0].max == 10
    choice = load_instrument(write_instrument(tmp_path, "questions", CHOICE)).items[0]
    assert (choice.required, choice.points, [o.id for o in choice.options]) == (
        True,
        None,
        ["x", "y"],
    )


@pytest.mark.parametrize(
    ("form", "body", "message"),
    [
        (
            "sliders",
            SCALE.replace(', en = "A" }', " }"),
            "demo.toml: items.a.label: missing the 'en' text (every text needs both da and en)",
        ),
        (
            "sliders",
            SCALE.replace("max = 10", "max = 1"),
            "demo.toml: items.a.max: must be greater",
        ),
        (
            "sliders",
            SCALE + 'anchors = [{ at = 11, da = "Meget", en = "Very" }]\n',
            "demo.toml: items.a.anchors[1].at: 11 is outside the scale 1–10",
        ),
        (
            "sliders",
            SCALE + 'anchors = [{ at = 5, da = "Midt" }]\n',
            "demo.toml: items.a.anchors[1]: missing the 'en' text",
        ),
        (
            "sliders",
            SCALE + "max_length = 3\n",
            "demo.toml: items.a.max_length: is not used by scale items",
        ),
        (
            "sliders",
            SCALE + "requierd = false\n",
            "demo.toml: items.a: unknown key 'requierd' – did you mean 'required'?",
        ),
        ("sliders", SCALE + SCALE, "demo.toml: items: item id 'a' appears twice"),
        (
            "sliders",
            SCALE.replace('"a"', '"Bad Id"'),
            "demo.toml: items[1].id: 'Bad Id' is not a valid id",
        ),
        (
            "sliders",
            SCALE.replace('"scale"', '"slider"'),
            "demo.toml: items.a.kind: unknown value 'slider'",
        ),
        (
            "questions",
            SCALE,
            "demo.toml: items.a.kind: a 'questions' form can show only choice items",
        ),
        (
            "questions",
            CHOICE + "points = [1, 2, 3]\n",
            "demo.toml: items.q.points: has 3 points for 2 options",
        ),
        (
            "questions",
            CHOICE.replace('id = "y"', 'id = "x"'),
            "demo.toml: items.q.options: option id 'x' appears twice",
        ),
        (
            "questions",
            CHOICE.replace("options = [", "optoins = ["),
            "demo.toml: items.q: unknown key 'optoins' – did you mean 'options'?",
        ),
        (
            "note",
            '[[items]]\nid = "t"\nkind = "text"\nlabel = { da = "T", en = "T" }\n',
            "demo.toml: items.t.max_length: is missing",
        ),
        (
            "sliders",
            SCALE + "[report]\nmin_group = 2\n",
            "demo.toml: report.min_group: must be at least 3 (got 2)",
        ),
        (
            "sliders",
            SCALE + "[report]\nmin_group = 5\nmin_group_text = 4\n",
            "demo.toml: report.min_group_text: must be at least min_group (5)",
        ),
        ("pictures", SCALE, "demo.toml: form: unknown value 'pictures'"),
        ("sliders", "", "demo.toml: items: is missing"),
    ],
)
def test_instrument_mistakes_name_file_and_key(
    tmp_path: Path, form: str, body: str, message: str
) -> None:
    assert str(load_error(write_instrument(tmp_path, form, body))).startswith(message)


def test_instrument_top_level_mistakes(tmp_path: Path) -> None:
    path = write_instrument(tmp_path, "sliders", SCALE, name="other")
    assert str(load_error(path)) == "other.toml: id: must match the file name 'other' (got 'demo')"
    path = write_instrument(tmp_path, "sliders", SCALE)
    path.write_text(path.read_text().replace("version = 1", 'version = "1"'), encoding="utf-8")
    assert str(load_error(path)).startswith("demo.toml: version: must be a whole number")
    path.write_text(path.read_text().replace('version = "1"', "version = 1\ntitel = 1"))
    assert str(load_error(path)) == "demo.toml: unknown key 'titel' – did you mean 'title'?"


# Mistakes in texts.toml


def test_texts_need_every_key_in_both_languages(tmp_path: Path) -> None:
    texts = tmp_path / "texts.toml"
    texts.write_text('[da]\nthanks = "Tak!"\nsend = "Send"\n[en]\nthanks = "Thanks!"\n')
    assert str(load_error(texts)).startswith("texts.toml: en.send: is missing ([da] has it")
    texts.write_text(
        '[da]\nprogress = "{current} / {total}"\n[en]\nprogress = "{current} of {totl}"\n'
    )
    assert str(load_error(texts)).startswith("texts.toml: en.progress: uses placeholders")
    texts.write_text('[da]\nthanks = "Tak!"\n')
    assert str(load_error(texts)).startswith("texts.toml: missing the [en] table")


def test_site_texts_may_only_override_known_keys(tmp_path: Path) -> None:
    (tmp_path / "kiosk.toml").write_text("[site]\nname = 'Afsnit 7'\n")
    (tmp_path / "texts.toml").write_text(
        '[da]\nthanks_titel = "Tak"\n[en]\nthanks_titel = "Thanks"\n'
    )
    error = load_error(tmp_path / "kiosk.toml")
    assert str(error) == "texts.toml: da: unknown key 'thanks_titel' – did you mean 'thanks_title'?"
    (tmp_path / "texts.toml").write_text(
        '[da]\nthanks_title = "Tak {name}"\n[en]\nthanks_title = "Thanks {name}"\n'
    )
    assert "da.thanks_title: the kiosk cannot fill in ['name']" in str(
        load_error(tmp_path / "kiosk.toml")
    )


def test_embedded_folder_is_the_repository_config() -> None:
    assert Path(__file__).resolve().parent.parent / "config" == CONFIG
