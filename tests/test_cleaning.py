"""Cleaning removes what is not news and keeps every real sentence."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from summarizer.cleaning import CleanedText, boilerplate_kind, clean_lines, clean_text, normalize_text

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="../shared/data is absent")

#: Boilerplate lines as news sites print them; each must go.
BOILERPLATE = [
    "Sign up for our newsletter",
    "Sign up for our daily newsletter to get the latest headlines.",
    "Subscribe to our YouTube channel for more videos",
    "Get the latest headlines delivered straight to your inbox.",
    "Subscribe now",
    "Read more: Why the Fed raised rates again",
    "Read more",
    "READ MORE: Five things to know about the election",
    "Related: Five things to know about the election",
    "Related Stories",
    "Watch: Biden speaks at a rally in Pennsylvania",
    "More from Reuters",
    "Share on Facebook | Twitter | Email",
    "Share this article",
    "Tweet",
    "Facebook Twitter LinkedIn Email",
    "We use cookies to improve your experience on our site.",
    "This website uses cookies. By continuing to use this site you agree to our cookie policy.",
    "Accept all cookies",
    "Photo: John Doe/Reuters",
    "(Image credit: NASA)",
    "Image Source: Neil Godwin / Future Publishing/Shutterstock",
    "Main image credit: Getty",
    "John Doe / Getty Images",
    "Getty Images",
    "Photograph by Jane Doe for The Guardian",
    "By Jane Doe, Staff Writer",
    "By Jane Doe",
    "By JANE DOE | Associated Press",
    "By Jane Doe and John Roe, Reuters",
    "Reporting by Jane Doe; Editing by John Roe",
    "(Reporting by Jane Doe in London; Editing by Mark Potter)",
    "Updated 10:32 a.m. ET",
    "Updated Nov. 19, 2019 5:30 am ET",
    "Published: 19 Nov 2019 14:05 GMT",
    "Last updated 3 hours ago",
    "November 19, 2019 at 5:30 p.m. EST",
    "Copyright 2019 The Associated Press. All rights reserved.",
    "© Reuters",
    "Follow us on Twitter",
    "Advertisement",
    "Story continues below advertisement",
    "5 min read",
    "Remind me later.",
    "Story Continued Below",
    "Advertisement Continue reading the main story",
    "Photo Advertisement Continue reading the main story",
    "Sign up here for POLITICO Huddle A daily play-by-play of congressional news in your inbox. Email Sign Up "
    "By signing up you agree to receive email newsletters or alerts from POLITICO. You can unsubscribe at any time.",
    "Just fill in your contact details in the form below to join our mailing list and keep up to date.",
    "Join us on Facebook Like us and you'll find top breaking news in your Facebook newsfeed.",
    "Have a tip we should know? tips@mediaite.com",
    "Interested in ? Add as an interest to stay up to date on the latest news, video, and analysis from ABC News. Add Interest",
    "[image via Shutterstock]",
    "Tweet with a location",
    "You can add location information to your Tweets, such as your city or precise location, from the web and via "
    "third-party applications. You always have the option to delete your Tweet location history. Learn more",
    "JavaScript is disabled",
    "You need to enable JavaScript to use SoundCloud",
    "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive. Flowing in every day, "
    "these data are added to the Wayback Machine after an embargo period.",
    "These crawls are part of an effort to archive pages as they are created and archive the pages that they refer to.",
    "This collection contains collaborative Election crawls performed by IA.",
    "The seed for Wide00014 was:",
    "The seed for this crawl was a list of every host in the Wayback Machine",
    "This crawl was run at a level 1 (URLs including their embeds, plus the URLs of all outbound links including their embeds)",
    "The WARC files associated with this crawl are not currently available to the general public.",
    "- Slash pages from every domain on the web:",
    "-- up to a maximum of 100 most highly ranked URLs per domain",
    "Please turn on JavaScript. Media requires JavaScript to play.",
    "Please enable Javascript to listen.",
    "This feature is not available right now. Please try again later.",
    "This video is copyright protected!! This video is represented by Break.com - For any licensing requests please contact us",
    "Click to share on WhatsApp (Opens in new window)",
    "Click to email this to a friend (Opens in new window)",
    "Newsletter Sign Up Continue reading the main story Please verify you're not a robot by clicking the box. "
    "Invalid email address. Please re-enter.",
    "Image copyright AFP Image caption Police are questioning the suspect in connection with the murder",
    "Image caption Paul Conroy was smuggled across the border into Lebanon and is said to be in good spirits.",
    "Image copyright Getty Images",
    "CLOSE Four Reno dispensaries begin sales of recreational marijuana. Jason Bean",
    "CLOSE Skip in Skip x Embed x Share Late Wednesday afternoon, the president spoke with our KSDK-TV, St. Louis.",
    "The interactive transcript could not be loaded.",
    "When you tweet with a location, Twitter stores that location.",
    "Click below to sign the Petition.",
    "Rating is available when the video has been rented.",
    "Hide Caption 6 of 43 Photos: The search for MH370 Relatives of the flight's passengers console each other.",
    "Photos: The search for MH370 Photos: The search for MH370 A relative burns incense in Beijing on March 8, 2016. "
    "Hide Caption 1 of 43 Photos: The search for MH370 On July 29, police carry a piece of debris on Reunion Island.",
]

#: Real news lines that look like boilerplate; each must survive untouched.
NEWS = [
    "By Tuesday, the death toll had risen to 40.",
    "By then, the storm had passed.",
    "By Friday, Smith had left the company.",
    "By 2030, the country aims to cut emissions by half.",
    "Related parties said the deal was fair.",
    "Support for the measure fell to 38% in a poll.",
    "We will not back down, the minister said.",
    "Share prices fell 3% on Monday.",
    "Cookies and biscuits sales rose in March.",
    "Updated figures show 40 deaths in 2020.",
    "Copyright lawsuits rose 10% last year.",
    "Donations to the campaign rose 20% in March.",
    "Read more than 40 pages of the report and you will see why.",
    "Photographs by the dozen emerged on social media after the attack.",
    "Watch out for falling prices, analysts warned.",
    "Credit card debt rose to $1 trillion.",
    "This feature is not available in Europe, the company said.",
    "This video is unavailable in some countries after a copyright claim, YouTube said.",
    "The seed vault's crawl space flooded in May, staff said.",
    "Close to 100 people died in the floods, officials said.",
    "Click below the fold and readers leave, the study found.",
    "Image rights caption contests drew 400 entries this year.",
    "Email records show the aide was warned.",
    "Print advertising revenue fell 12%.",
    "Video footage showed the car speeding through a red light.",
    "Facebook to buy Instagram for $1 billion",
    "Twitter said it would appeal the ruling.",
    "Follow the money, investigators said.",
    "Sign up for a Hulu ad-free account for $11.99 a month",
    "Sign up for the Disney+ bundle using the same email as your Hulu account",
    "Subscribers to the service rose by 2 million.",
    "Dearer fuel pushed inflation to 4%.",
    "Advertising revenue fell 12% in the quarter.",
    "Interested in the deal? Analysts said it would close in May.",
    "Have a tipping point in mind? The index fell 3%.",
    "This collection contains 40 paintings by Monet that the museum bought in 1990.",
    "Starting in 1996, the company donated its profits to charity.",
    "Join us on Facebook, the campaign told supporters, as the rally was moved online.",
]

GUARDIAN_APPEAL = """\
The minister resigned on Friday after weeks of pressure.

Before you go, we have a small favour to ask.
You've read 10 articles this year. Unlike many others, we have no shareholders and no billionaire owner.

Our journalism is free from commercial and political influence, which lets us hold the powerful to account.
If you can, please consider supporting us today with a donation. Thank you.
Support the Guardian
Remind me in May
"""


@pytest.mark.parametrize("line", BOILERPLATE)
def test_boilerplate_line_is_removed(line: str) -> None:
    result = clean_lines(f"The council approved the budget on Monday.\n{line}\nThe vote was 7-2.")
    assert result.text == "The council approved the budget on Monday.\nThe vote was 7-2."
    assert result.removed == [normalize_text(line)]


@pytest.mark.parametrize("line", NEWS)
def test_news_line_is_kept(line: str) -> None:
    text = f"The council approved the budget on Monday.\n{line}\nThe vote was 7-2."
    assert clean_text(text) == text
    assert boilerplate_kind(line) is None


@pytest.mark.parametrize(
    ("dateline", "sentence"),
    [
        ("WASHINGTON (Reuters) - ", "The Senate voted 52-48 on Tuesday to confirm the nominee."),
        ("KYIV, Ukraine (AP) \u2014 ", "Russia launched dozens of drones overnight, officials said."),
        ("LONDON, March 3 (Reuters) - ", "Oil prices rose 2% on Friday."),
        ("WASHINGTON \u2014 ", "President Biden signed the bill into law on Friday."),
        ("NEW YORK, Nov. 19, 2019 /PRNewswire/ -- ", "Acme Corp. said on Tuesday it would cut 500 jobs."),
        ("WASHINGTON\u2014", "The chairman of the Senate panel promised a review."),
        ("Washington (CNN) ", "Vermont Sen. Bernie Sanders praised the speech."),
        ("(CNN) -- ", "Cliven Bundy, the Nevada rancher, spoke on Thursday."),
        ("(CNN) ", "Your fitness tracker may not be accurate, a study says."),
        ("(HealthDay News) -- ", "Babies process memories during naps, a study suggests."),
    ],
)
def test_dateline_prefix_is_stripped_and_sentence_kept(dateline: str, sentence: str) -> None:
    assert clean_text(dateline + sentence) == sentence


def test_list_and_dialogue_marks_go_and_their_lines_stay() -> None:
    text = "\u2022 In Iowa, they freed 500 mink.\n* Turnout fell by 11 points.\n\u2014 Ana Ruiz, asked about the vote.\n--The cost rose."
    assert clean_text(text) == "In Iowa, they freed 500 mink.\nTurnout fell by 11 points.\nAna Ruiz, asked about the vote.\nThe cost rose."
    # A sign before a number is no list mark.
    assert clean_text("-5 degrees is expected tonight.") == "-5 degrees is expected tonight."


def test_dash_after_capitals_mid_sentence_is_not_a_dateline() -> None:
    text = "NASA - the agency that sent men to the Moon - is short of money."
    assert clean_text(text) == text
    for text in ("COVID-19 cases rose 4% in May.", "Anchor Jake Tapper (CNN) said it first."):
        assert clean_text(text) == text


def test_dateline_is_only_cut_at_the_start_of_an_article() -> None:
    body = "\n".join(f"Paragraph {i} of the story ran long." for i in range(4))
    late = "LONDON (Reuters) - A second report followed."
    assert clean_text(f"{body}\n{late}").endswith(late)


def test_guardian_style_appeal_goes_as_a_block() -> None:
    result = clean_lines(GUARDIAN_APPEAL)
    assert result.text == "The minister resigned on Friday after weeks of pressure."
    assert len(result.removed) == 6


def test_appeal_ends_at_the_next_news_line() -> None:
    text = (
        "Dear readers,\nPlease support our journalism with a donation today.\n\n"
        "We will not back down, the minister said on Tuesday.\nThe vote is set for June."
    )
    assert clean_text(text) == "We will not back down, the minister said on Tuesday.\nThe vote is set for June."


def test_fundraiser_appeal_goes_and_reported_pleas_stay() -> None:
    text = (
        "Let's help the Moreno family through this hard time; they need all of us now.\n"
        "Please rally around them and thank you for your support.\n"
        "The family's bakery closed in March.\n"
        "Please help us find my daughter, her mother told reporters on Sunday."
    )
    cleaned = clean_lines(text)
    assert cleaned.text == (
        "The family's bakery closed in March.\nPlease help us find my daughter, her mother told reporters on Sunday."
    )
    assert len(cleaned.removed) == 2


@pytest.mark.parametrize(
    "caption",
    [
        "Mayor Ana Ruiz at the flooded bridge on Tuesday. Photo: Tom Lee via AP",
        "Rescuers search the rubble in Kessling. (Jan Ott/Reuters)",
        "Ana Ruiz (Photo: City of Lund)",
        "The town hall's cracked wall. (Photo by Mia Berg/Getty Images)",
        "Facebook Twitter Pinterest The harbour at dawn. Photograph: Kai Holm/AFP/Getty Images",
        "The scene of the collapsed houses in Kessling on July 29, 2013. (KAI HOLM / Staff Photographer)",
    ],
)
def test_picture_captions_go_whole(caption: str) -> None:
    cleaned = clean_lines(f"The quake struck at 3 a.m.\n{caption}\nTwo people were hurt.")
    assert cleaned.text == "The quake struck at 3 a.m.\nTwo people were hurt."
    assert cleaned.removed == [caption]


def test_news_lines_that_end_like_a_credit_stay() -> None:
    linked = 'The crater is 40 metres wide, "the largest we have seen," Ott told reporters. [Quake Photos: The Damage in Kessling]'
    long_paragraph = " ".join(["The council met again on Friday to count the cost of the damage."] * 6) + " (Jan Ott/Reuters)"
    for line in (linked, long_paragraph, "The credit union's chief said deposits rose by 4%."):
        assert clean_text(line) == line


def test_advert_slot_run_into_a_paragraph_goes_and_the_paragraph_stays() -> None:
    cleaned = clean_lines(
        "Rebels held the town.\n"
        "Continue reading the main story At the scene The bombardment has started in Binnish.\n"
        "Advertisement revenue fell 12%."
    )
    assert cleaned.text == (
        "Rebels held the town.\nAt the scene The bombardment has started in Binnish.\nAdvertisement revenue fell 12%."
    )
    assert cleaned.removed == ["Continue reading the main story"]


def test_unicode_quotes_and_spaces_are_normalised() -> None:
    text = "\u201cIt\u2019s over,\u201d she said.\u00a0 \u200bThe\tvote\u2009was \ufb01nal."
    assert clean_text(text) == "\"It's over,\" she said. The vote was final."


def test_cleaned_text_keeps_paragraph_breaks() -> None:
    result = clean_lines("First paragraph.\n\n\n\nSecond paragraph.\nShare this article\n")
    assert result == CleanedText("First paragraph.\n\nSecond paragraph.", ["Share this article"])


def test_clean_text_rejects_bytes() -> None:
    with pytest.raises(TypeError):
        clean_text(b"bytes")  # type: ignore[arg-type]


@needs_data
def test_seed_appeal_never_reaches_the_output() -> None:
    raw = (DATA / "seeds" / "001_9145991e4788ad70.txt").read_text(encoding="utf-8")
    result = clean_lines(raw)
    assert "Message from" not in result.text
    for phrase in ("Dear readers", "Remind me later", "support us monthly", "undesirable", "refuse to be silenced"):
        assert phrase not in result.text
    assert result.text.endswith("in the far eastern city of Vladivostok.")
    # Every news line of the article survives.
    news = normalize_text(raw).split("A Message from")[0].strip().splitlines()
    assert result.text.splitlines() == [" ".join(line.split()) for line in news if line.strip()]


@needs_data
def test_other_seed_loses_nothing() -> None:
    raw = (DATA / "seeds" / "000_9a9b4538368fa231.txt").read_text(encoding="utf-8")
    result = clean_lines(raw)
    assert result.removed == []


#: The only lines of the aeb gold bodies that are not news: credits, copyright
#: and link labels the annotators kept.  Cleaning may remove these and nothing else.
GOLD_BOILERPLATE = {
    "(Reporting by Will Dunham; Editing by Tom Brown)",
    "\u00a9 Reuters",
    "\u00a9 Regan",
    "(Image credit: All About Space)",
    "Click here to get more information or download this game.",
    "Follow NBC Latino on Facebook, Twitter and Instagram.",
    "\u00a9 2019 Associated Press. All Rights Reserved. This material may not be published, broadcast, rewritten, or redistributed.",
    "Don't Miss",
    "Image Source: Neil Godwin / Future Publishing/Shutterstock",
    "Main image credit: Getty",
    "Copyright 2019 Hawaii News Now. All rights reserved.",
}


@needs_data
def test_gold_article_bodies_keep_their_news_lines() -> None:
    gold = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    allowed = {normalize_text(line) for line in GOLD_BOILERPLATE}
    removed = {line for item in gold.values() for line in clean_lines(item["articleBody"]).removed}
    assert removed <= allowed, sorted(removed - allowed)


@needs_data
def test_html_path_on_a_real_page() -> None:
    from summarizer.html import html_to_text

    gold = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    key = sorted(gold)[0]
    html = gzip.decompress((DATA / "aeb" / "html" / f"{key}.html.gz").read_bytes())
    text = html_to_text(html, url=gold[key]["url"])
    gold_words = set(normalize_text(gold[key]["articleBody"]).lower().split())
    kept_words = text.lower().split()
    assert kept_words
    overlap = sum(1 for w in kept_words if w in gold_words) / len(kept_words)
    assert overlap > 0.8


# --- HTML path --------------------------------------------------------------

_BODY = (
    "<p>The council approved the budget on Monday after a long debate about schools.</p>"
    "<p>The vote was 7-2, officials said, and the mayor welcomed it.</p>"
)
_BODY_TEXT = (
    "The council approved the budget on Monday after a long debate about schools.\n"
    "The vote was 7-2, officials said, and the mayor welcomed it."
)


def test_html_page_loses_its_boilerplate_and_keeps_the_article() -> None:
    from summarizer.html import html_to_text

    page = (
        "<html><head><title>Budget</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        "<article><h1>Council passes budget</h1><p class='byline'>By Jane Doe, Staff Writer</p>"
        f"<p>LONDON (Reuters) - {_BODY[3:]}<p>Share on Facebook | Twitter | Email</p>"
        "<p>Sign up for our daily newsletter to get the latest headlines.</p></article>"
        "<footer><p>We use cookies to improve your experience on our site.</p></footer></body></html>"
    )
    text = html_to_text(page)
    assert _BODY_TEXT in text
    for junk in ("Jane Doe", "Facebook", "newsletter", "cookies", "Reuters", "Home"):
        assert junk not in text


@pytest.mark.parametrize(
    "page",
    [
        f"<header>{_BODY}</header>",  # no <body>: trafilatura finds nothing
        f"<html><body><noscript>{_BODY}</noscript></body></html>",  # readability finds nothing
        f"<html><frameset><noframes>{_BODY}</noframes></frameset></html>",  # markup as raw text
    ],
    ids=["header-only", "noscript", "noframes"],
)
def test_malformed_pages_fall_back_and_keep_the_article(page: str) -> None:
    from summarizer.html import extract_text

    text, path = extract_text(page)
    assert text == _BODY_TEXT, path


def test_html_bytes_are_decoded_by_their_charset() -> None:
    from summarizer.html import html_to_text

    page = (
        "<html><head><meta charset='iso-8859-1'></head><body><article>"
        "<p>Caf\xe9 owners in Montr\xe9al said prices rose 5% on Monday after the tax change.</p>"
        "</article></body></html>"
    ).encode("latin-1")
    assert html_to_text(page) == "Caf\xe9 owners in Montr\xe9al said prices rose 5% on Monday after the tax change."


@pytest.mark.parametrize("page", ["", "<html><body><div></div></body></html>", "<<<>>> <p unclosed <div"])
def test_pages_without_text_give_empty_text(page: str) -> None:
    from summarizer.html import extract_text

    assert extract_text(page) == ("", "empty")


@needs_data
def test_real_page_with_broken_markup_keeps_its_article() -> None:
    import re

    from summarizer.html import html_to_text

    gold = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    key = sorted(gold)[0]
    html = gzip.decompress((DATA / "aeb" / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
    broken = re.sub(r"</(div|p|span|section|article)>", "", html)
    text = html_to_text(broken, url=gold[key]["url"])
    assert "Gaming used to be so simple." in text


def test_dateline_with_any_outlet_in_parentheses_is_stripped() -> None:
    assert clean_text("PORT ALDEN (Coastline Daily) - A 6.1-magnitude earthquake hit the city.") == (
        "A 6.1-magnitude earthquake hit the city."
    )


# A page that is no article: the site's "page not found" answer in place of the
# story, or an Internet Archive collection page.  One such line marks the page.
NOT_AN_ARTICLE_PAGES = [
    "Sorry, the page you requested could not be found.\n\nIf you are looking for an older news story, it may no "
    "longer be here. Free archives of stories are maintained on our site for one month.",
    "404 - Page not found\n\nPlease choose a community from the navigation at the top of this page.",
    "The page you are looking for does not exist.\n\nTry the search box above, or go back to the home page.",
    "Web wide crawl with initial seedlist and crawler configuration from March 2011.\n\nCrawl start date: 09 March, "
    "2011\n\nThe seed list for this crawl was a list of the top 1 million web sites.",
    "Crawl of outlinks from wikipedia.org started March, 2016. These files are currently not publicly accessible. "
    "Properties of this collection. It has been several years since the last time we did this.",
]


@pytest.mark.parametrize("page", NOT_AN_ARTICLE_PAGES)
def test_a_page_that_is_no_article_goes_whole_with_the_line_that_gave_it_away(page: str) -> None:
    cleaned = clean_lines(page)
    assert cleaned.text == "" and cleaned.not_an_article
    assert cleaned.not_an_article in page and len(cleaned.removed) == len([l for l in page.split("\n") if l.strip()])


@pytest.mark.parametrize("line", [
    "Police said the missing teen could not be found after the storm.",
    "404 people were evacuated from the building on Monday.",
    "Page not found errors rose 40% after the migration, the company said.",
    "Officials said the files are currently not publicly accessible, but will be released next week.",
    "The page you requested was taken down by the court on Monday.",
    "Crawl spaces under the houses flooded overnight.",
])
def test_news_that_reads_like_an_error_page_keeps_its_article(line: str) -> None:
    text = f"{line}\n\nThe council said repairs would start on Tuesday."
    cleaned = clean_lines(text)
    assert cleaned.not_an_article is None and line in cleaned.text
