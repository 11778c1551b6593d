"""Stage 1: strip from an article what is not news, and normalise the text.

Cleaning works line by line because boilerplate comes in lines: a share bar, a
"Read more" link, a byline, a donation appeal of several paragraphs.  An appeal
is removed as a block: its opening line ("A Message from ...", "Dear readers")
starts it and it runs while the lines keep speaking to the reader about support.

Every pattern here is anchored to a whole line and shaped so that the news
sentences it resembles survive: "Related parties said ..." is not a "Related:"
link, "By Tuesday, the toll ..." is not a byline, "Share prices fell" is not a
share bar.  Three kinds of prefix are cut instead, their line kept: a dateline
that opens the article, an advert's slot that a page runs into the next
paragraph, and a list's mark ("\u2022 ", "* ", "\u2014 ").  ``tests/test_cleaning.py``
holds both sides of each pattern, and the cleaning benchmark measures how many
sentences of real article bodies survive.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
    }
)
# Zero-width and bidi-control characters carry no text and break matching.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t]+")

_I = re.IGNORECASE

# ---------------------------------------------------------------------------
# Reader appeals (donations, subscriptions): removed as blocks.
# ---------------------------------------------------------------------------

#: Openers that only ever start an appeal: "A Message from The Moscow Times:",
#: "Dear readers,", "Please support us", "Support independent journalism",
#: "We have a small favour to ask", "If you value our reporting ...".
_APPEAL_START = re.compile(
    r"^(a (message|note) from (the )?[A-Z][\w.&' -]{1,60}:?\s*$|"
    r"dear (readers?|friends?|subscribers?|supporters?)\b|"
    r"(please )?support (us|our (journalism|work|reporting|newsroom|mission)|"
    r"independent (journalism|media|news|reporting)|quality journalism)\b|"
    r"before you go\s*[,.:!-]|.{0,80}\bwe have a small favou?r to ask|"
    r"(help|join) us\b.{0,40}\b(journalism|reporting|newsroom)|"
    r"if you (value|like|enjoy(ed)?|appreciate) (our|this|what we)\b)",
    _I,
)
#: Weaker openers ("Donate", "Make a contribution", a fundraiser's "Let's help
#: the family", "Please help") that start an appeal only when the line itself
#: also reads as one: "Donations to the campaign rose 20% in March." is news.
_APPEAL_START_WEAK = re.compile(
    r"^((make a |one-off |monthly )?(donate|donation|contribut(e|ion))\b|"
    r"(let'?s|let us|please) (help|rally|support|stand (with|by|behind)|pray|give|donate|consider (donating|giving))\b)",
    _I,
)
#: Words that keep an appeal block going.
_APPEAL_WORDS = re.compile(
    r"\b(we|our|us|you|your|support\w*|donat\w*|contribut\w*|journalism|"
    r"subscri\w*|thank you|independent|reader\w*|help)\b",
    _I,
)
#: Attribution verbs of news copy; appeals speak for themselves and never use them.
_REPORTED_SPEECH = re.compile(r"\b(said|says|told|according to|added|stated|announced)\b", _I)

# ---------------------------------------------------------------------------
# Lines that are boilerplate on their own, whatever surrounds them.  Each entry
# is one kind of line; all are matched against the whole, stripped line.
# ---------------------------------------------------------------------------

_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?"
#: One token of a timestamp: numbers and times, month and day names, am/pm,
#: time zones, "ago", "hours"; a timestamp line holds nothing else.
_DATE_TOKEN = (
    rf"(\d{{1,4}}([:/.-]\d{{1,4}})*(st|nd|rd|th)?|{_MONTH}|{_WEEKDAY}|[ap]\.?m\.?|"
    r"et|gmt|utc|bst|cet|cest|edt|est|cdt|cst|mdt|mst|pst|pdt|ist|jst|aest|hkt|sgt|ct|pt|"
    r"ago|hours?|hrs?|minutes?|mins?|days?|"
    r"at|on|by|today|yesterday|[,|•·-])"
)
#: Agencies and picture desks that appear in photo credits.
_PICTURE_DESK = (
    r"(getty( images)?|reuters|ap( photo)?|associated press|afp|epa(-efe)?|efe|shutterstock|"
    r"alamy|bloomberg|pa( wire| images)?|xinhua|anadolu|sipa|rex|zuma|nurphoto|"
    r"[\w .-]{0,30} via getty images|istock(photo)?|file photo|(staff |contributing |chief )?photographer)"
)
#: One button of a share bar: "Share this article", "Share on Facebook", "Tweet", "Email".
_SOCIAL = r"(facebook|twitter|x|linkedin|pinterest|reddit|whatsapp|messenger|telegram|flipboard|email|e-mail|sms)"
_SHARE_ITEM = (
    r"((share|tweet|email|e-mail|print|save|copy link|comment)s?( (this|the) (article|story|post|page|video|link|gallery))?"
    rf"( (on|via|with|to) ({_SOCIAL}|a friend|friends))?|{_SOCIAL})"
)

_BOILERPLATE_PATTERNS: dict[str, str] = {
    # "Read more: Why rates rose", "Read more", "Read next »", "READ MORE ABOUT ..."
    # but not "Read more than 40 pages of ..." (no label separator or link phrase).
    "read_more": r"(read|see|continue reading|keep reading) (more|next|also|the full story|the full article|the rest)\b"
    r"(\s*(:|»|›|>|\||-|–|—|\.\.\.|…).*|\s+(about|at|on|here|from|in)\b.{0,100}|\s*[.!]?)",
    "continue_reading": r"continue reading( (the|this) (main )?(story|article))?\s*[.»›>]?",
    # Link labels followed by a separator or alone: "Related: ...", "Watch: ...",
    # "More from Reuters", "Most read"; not "Related parties said ...".
    "link_label": r"(related|related (stories|articles|coverage|content|links|topics|news|reading)|recommended( for you)?|"
    r"more (from|on|in) (?-i:[A-Z])[\w .'&-]{1,40}|most (read|popular|viewed)|trending( now| stories)?|see also|also read|"
    r"also see|watch|watch now|video|listen|more coverage|more on this story|top stories|editor'?s picks?|"
    r"you (may|might) (also )?like|don'?t miss|must read|latest news|further reading)"
    r"\s*((:|»|›|>|\||–|—|-)\s*.{0,160})?",
    # Share bars and their buttons: "Share on Facebook | Twitter | Email",
    # "Share this article", "Tweet", "Email | Print"; not "Share prices fell 3%".
    "share": rf"{_SHARE_ITEM}(\s*[|/·•,]?\s*{_SHARE_ITEM})*\s*:?\s*",
    "share_count": r"\d+(\.\d+)?k?\s*(shares?|comments?|views?)",
    "click_here": r"(click|tap) (here\b|below (to|for)\b).{0,150}|click to (share|email|print|tweet|post)\b.{0,80}\(opens in (a )?new window\)",
    # Newsletter sign-ups: "Sign up for our daily newsletter", "Subscribe now",
    # "Get the latest headlines delivered to your inbox"; not "Sign up for a
    # Hulu ad-free account for $11.99 a month" (a how-to step in an article).
    "newsletter": r"((sign up|subscribe|register)\b.{0,120}\b(newsletters?|news alerts|e-?mail alerts|briefings?|bulletins?|digest|inbox)\b.{0,300}|"
    r"by signing up,? you agree\b.{0,300}|.{0,80}\bjoin our mailing list\b.{0,160}|"
    r"(sign up|subscribe|register|join)\b.{0,60}\b(our|my)\b.{0,60}\b(e-?mails?|inbox|updates|channel|podcast|(mailing )?list)\b.{0,100}|"
    r"(please )?(sign up|subscribe|register)( now| today| here| for free)?\s*[.!:»›>]?|newsletter sign up continue reading the main story\b.{0,800}|"
    r".{0,80}\bnewsletters?\b.{0,80}\b(sign up|subscribe|inbox|delivered|sign-up)\b.{0,300}|"
    r".{0,80}\bdelivered (straight |directly )?to your inbox\b.{0,80}|"
    r"(already a subscriber|subscribe to (continue|keep) reading|subscribers? only|log ?in to (continue|read)).{0,80}|"
    r"enter your e-?mail( address)?.{0,80})",
    # Cookie banners: "We use cookies ...", "Accept all cookies", "Cookie policy".
    "cookies": r"((we|this (site|website)) uses? cookies|by (continuing|using) (to (use|browse) )?(this|our) (site|website)).{0,300}|"
    r"(accept|manage|reject)( all)? cookies.{0,80}|cookies? (policy|settings|preferences|notice).{0,80}",
    # Appeal buttons left behind on their own.
    "appeal_button": r"(remind me (later|tomorrow|next \w+|in \w+)|maybe later|no,? thanks|not now|close this (message|dialog)|dismiss)\s*[.!]?",
    # "Advertisement", "Story Continued Below" (an advert's slot), "Advertisement
    # Continue reading the main story", "Photo Advertisement ..." (a picture's
    # slot before it); not "Advertising revenue fell 12%".
    "advert": r"((photo|video)\s+(?=advertisement))?((advertisement|advertising|sponsored( content)?|paid (content|post)|"
    r"(story|article) continu(es|ed) (below|after (this )?advertisement)( advertisement)?|"
    r"continue reading the main story|ad feedback|\(ad\))\s*)+",
    # Photo and video credits: "Photo: John Doe/Reuters", "(Image credit: NASA)",
    # "Photograph by Jane Doe", "John Doe / Getty Images", "Getty Images".
    "photo_credit": r"((photo|photograph|image|picture|video|graphic|illustration|caption)s?\s*(credit|courtesy|source)?\s*[:|]\s*.{0,200}|"
    r"\((photo|photograph|image|picture|video)s?\s*(credit)?:?\s.{0,150}\)|"
    r"\[(photo|photograph|image|picture|video)s? (via|from|by|courtesy of) [^\]]{1,80}\]|"
    r"(photo|photograph|image|picture|video|illustration)s?\s*(credit)?\s*(by|courtesy of|from)\s[^.!?]{0,100}|"
    rf"[\w .,'&-]{{0,80}}\s*/\s*{_PICTURE_DESK}\b[\w .'/&-]{{0,40}}|"
    rf"(\(|\[)?{_PICTURE_DESK}(\)|\])?\s*\.?|"
    r"(credits?\s*:|courtesy( of)?\s*:?)\s*[^.!?]{0,100}|"
    # The BBC's: "Image copyright AFP Image caption The suspect lived in Paris".
    r"image copyright\b[^.!?]{0,80}|(image copyright\b.{0,80}?\s)?image caption\b.{0,500}|"
    # A gallery's captions, which a page runs into one line: "Photos: The search
    # for MH370 ... Hide Caption 1 of 43 Photos: The search for MH370 ...".
    r"(photos?:.{0,3000}?)?\bhide caption \d+ of \d+\b.*)",
    # Timestamps: "Updated 10:32 a.m. ET", "Published: 19 Nov 2019 14:05 GMT",
    # "Last updated 3 hours ago"; not "Updated figures show 40 deaths in 2020."
    "timestamp": rf"((published|updated|posted|last updated|first published|last modified|modified|originally published)"
    rf"\s*(on|at|:)?\s*({_DATE_TOKEN}\s*){{1,14}}[.]?|({_WEEKDAY},?\s*)?{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
    rf"(\s*({_DATE_TOKEN}\s*){{0,8}})?)",
    # "© 2019 Associated Press", "© Reuters", "Copyright 2019 Hawaii News Now";
    # not "Copyright lawsuits rose 10% last year."
    "copyright": r"((copyright\s*(©|\(c\))?\s*\d{4}|©|\(c\)\s*\d{4}|copyright\s*(©|\(c\))).{0,200}|"
    r".{0,120}\ball rights reserved\b.{0,200})",
    # "Follow us on Twitter", "Follow Jane Doe on Twitter @jdoe".
    "follow": r"follow (us|me|@\w+|(?-i:[A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3})) (on|at) .{0,120}|"
    rf"(join|like|find) us on {_SOCIAL}(\s*(,|and|or|&)?\s*{_SOCIAL})*\s*[.!]?(\s+(like|follow) us\b.{{0,120}})?",
    # Pages that ask for a tip, or for the article's topic to be followed:
    # "Have a tip we should know? tips@mediaite.com", "Interested in Syria? Add
    # Syria as an interest to stay up to date ...".
    "tip_or_follow_topic": r"(have|got) a (news )?tip\b.{0,40}\?.{0,80}|interested in\b.{0,60}\? add\b.{0,60}\bas an interest\b.{0,160}",
    # What an embedded player or tweet shows when it does not load: "Tweet with a
    # location" and its help text, "JavaScript is disabled", "You need to enable
    # JavaScript to use SoundCloud".
    "embed_notice": r"tweet with a location|you can add location information to your tweets\b.{0,300}|"
    r"when you tweet with a location, twitter stores that location\b.{0,300}|"
    r"javascript is (disabled|required|not enabled)\b.{0,80}|"
    r"(you need to |you must |please )?(enable|turn on) javascript( (to|in order to) (use|watch|view|see|play|listen)\b.{0,80}|\s*[.!]\s*.{0,80}\bjavascript\b.{0,40})|"
    # A player's or a widget's stand-in: "This feature is not available right
    # now. Please try again later.", "This video is copyright protected!! ...".
    r"this (feature|video|content) is (not available|unavailable|no longer available)( right now| at the moment| at this time)?\s*[.!]?"
    r"( please try again( later)?\s*[.!]?)?|this video is copyright protected\b.{0,200}|"
    r"the interactive transcript could not be loaded\.?|rating is available when the video has been rented\.?|"
    # A video player's blurb above the story: "CLOSE Four Reno dispensaries begin
    # sales of recreational marijuana. Jason Bean", "Skip in Skip x Embed x Share ...".
    r"(?-i:CLOSE) .{0,600}|((?-i:CLOSE) )?skip in skip x embed x share\b.{0,600}",
    # The Internet Archive's notes on an archived page, which scraped copies of
    # news pages carry: "Starting in 1996, Alexa Internet has been donating
    # their crawl data to the Internet Archive. ...", "These crawls are part of
    # an effort to archive pages ...", a collection's own description.
    "web_archive": r"starting in 1996, alexa internet has been donating their crawl data\b.{0,300}|"
    r"these crawls are part of an effort to archive pages\b.{0,600}|"
    r"this (collection contains|is a set of web collections)\b.{0,100}\b(crawls?|captures?|archive-it|internet archive)\b.{0,400}|"
    r"the seed for (\w+|this crawl) was\b.{0,200}|this crawl was run at a level \d+\b.{0,300}|"
    r"the warc files associated with this crawl\b.{0,200}|"
    # A wide crawl's seed list: "- Slash pages from every domain on the web:",
    # "-- up to a maximum of 100 most highly ranked URLs per domain".
    r"-* ?(slash pages from every domain on the web:?|a ranking of all urls that have more than one incoming inter-domain link\b.{0,300}|"
    r"up to a maximum of \d+ most highly ranked urls per domain|top ranked pages \(up to a max of \d+\) from every linked-to domain\b.{0,200})",
    "listen": r"(listen to|download) (this|the|our) (article|story|app|podcast|episode).{0,80}",
    "read_time": r"\d+\s*(min|mins|minute|minutes)( read| listen)?\s*",
    "navigation": r"(skip to (main )?content|back to top|close|menu|open menu|toggle navigation|home|search|"
    r"next article|previous article|next|previous|loading\.*|show more|show less|see more|view comments|"
    r"comments|leave a comment|\d+ comments?|topics|tags|filed under:?.{0,120}|image \d+ of \d+|"
    r"(this|the) (article|story) is more than \d+ \w+ old|jump to)\s*[.:]?",
    # Reuters-style trailers: "Reporting by Jane Doe; Editing by John Roe",
    # "(Reporting by Jane Doe in London)", "Our Standards: ...".
    "credits_trailer": r"\(?((additional )?(reporting|writing|editing|research|compiled|produced) by|our standards:)[^()]{0,250}\)?",
    # Stand-alone staff roles under a byline: "Staff Writer", "Senior Correspondent".
    "role": r"((staff|senior|chief|special|foreign|political|business|science|health) )?"
    r"(writer|reporter|correspondent|editor|contributor|columnist)( at [\w .'&-]{1,40})?",
}
_BOILERPLATE = {name: re.compile(rf"^({pattern})$", _I) for name, pattern in _BOILERPLATE_PATTERNS.items()}

#: Bylines: "By Jane Doe", "By Jane Doe and John Roe, Reuters", "By JANE DOE |
#: Associated Press", "By Jane Doe, Staff Writer".  Case matters: a name is
#: capitalised and so is what follows the comma, so "By Tuesday, the death toll
#: had risen to 40." and "By then, ..." stay.
_NAME = r"[A-Z][\w.'-]+((\s+|-)(de|da|del|van|von|bin|al|la|le|[A-Z][\w.'-]*)){0,4}"
_BYLINE = re.compile(
    rf"^(By|BY|Written by|Words by|Story by|Text by|Posted by|Author:?)\s+(?!{_WEEKDAY}\b|{_MONTH}\b|The\b|This\b|Then\b|Now\b|Late\b|Early\b)"
    rf"{_NAME}(\s*(,|and|&)\s*{_NAME})*"
    r"(\s*[,|;·•-]\s*(([A-Z][\w.'&@-]*|of|the|and|for|at|in|on|&|\d[\w:.]*|a\.m\.|p\.m\.)[,|]?\s*){1,14})?\.?$"
)

_AGENCY = r"(AP|AFP|Reuters|CNN|UPI|dpa|Xinhua|Bloomberg|IANS|PTI|ANI|HealthDay( News)?|Reuters Health)"
#: A dateline that opens the first paragraph: "LONDON -", "KYIV, Ukraine (AP) —",
#: "NEW YORK, Nov. 19, 2019 /PRNewswire/ --".  The prefix goes, the sentence stays;
#: what follows must start like a sentence, so "NASA - the agency ..." is left alone.
_DATELINE = re.compile(
    r"^[A-Z][A-Z.'-]+( [A-Z][A-Z.'-]+){0,3}(,\s*[A-Z][\w.'-]+( [A-Z][\w.'-]+){0,3})?"
    r"(,\s*[A-Z][a-z]{2,4}\.? \d{1,2}(,\s*\d{4})?)?"
    rf"\s*(\(({_AGENCY}|[A-Z][\w&.' ]{{1,40}})\)\s*)?(\s*/[\w ]{{2,30}}/)?"
    # An em or en dash may touch the sentence ("WASHINGTON\u2014The ..."); a hyphen may not ("COVID-19 ...").
    r"(\s*[-\u2013\u2014]+\s+|\s*[\u2013\u2014]+)(?=[\"'A-Z0-9])"
)
#: An agency dateline anywhere in the first lines: "LONDON, March 3 (Reuters) -",
#: "Washington (CNN) Vermont Sen. ...", or the agency alone: "(CNN) -- Cliven
#: Bundy ...", "(HealthDay)\u2014A little jogging ...".
_AGENCY_DATELINE = re.compile(
    rf"^([A-Z][\w .,'-]{{1,60}})?\({_AGENCY}\)(\s*[-\u2013\u2014:]+\s*|\s+)(?=[\"'A-Z0-9])"
)
#: A picture's caption: a short line that ends in the picture's credit, "Kim
#: Wall in 2016. Photo: Tom Wall via AP", "Rep. Nunes. (Manuel Balce
#: Ceneta/AP)", "Collin Rose (Photo: Wayne State University)".  The caption
#: describes the picture, not the story, so the whole line goes; a paragraph
#: longer than a caption keeps its text (its credit tail is left to the splitter).
_CAPTION_CREDIT = re.compile(
    r"\s*("
    r"\(?\b(photo|photograph|image|picture|credit)s?\s*(credit)?\s*(:|by\b)\s*[^()]{1,100}\)?|"
    rf"\(?[\w .,'&-]{{1,60}}\s*/\s*{_PICTURE_DESK}\b[\w .,'/&-]{{0,40}}\)?"
    r")\s*$",
    _I,
)
#: The longest credit :data:`_CAPTION_CREDIT` matches (about 150 characters),
#: with room to spare: the credit is looked for only this far from the end, so
#: a long paragraph costs no more than a short one.
_CREDIT_SPAN = 250
#: What every such credit holds; most lines lack it, and it is cheap to look for.
_CREDIT_CUE = re.compile(r"/|photo|image|picture|credit", _I)
_CAPTION_MAX_WORDS = 60
#: An advert's slot that a page runs into the next paragraph: "Continue reading
#: the main story At the scene The bombardment has started ...".  The slot
#: goes, the paragraph stays.
_LEADING_ADVERT = re.compile(r"^(advertisement\s+)?(continue reading the main story|story continued below)\s+(?=\S)", _I)
#: A list's or a dialogue's mark before a line: "\u2022 In Iowa, they freed 500 mink ...",
#: "* Obama won women by 11 points", "\u2014 Julie Bowen, asked ...".  The mark goes,
#: the line stays; a hyphen before a number ("-5 degrees") is a sign, not a mark.
_LIST_MARK = re.compile(r"^[-*\u2022\u00b7\u2013\u2014]{1,3}\s*(?=[^\W\d_]|[\"'(\[$\u00a3\u20ac])")
#: Datelines only open an article; later lines are left alone.
_DATELINE_LINES = 3
#: Lines that only a page with no article carries: a "page not found" page
#: that answered in place of the story, or an Internet Archive collection page
#: ("Crawl start date: ...", "These files are currently not publicly
#: accessible.").  One such line marks the whole page, not just itself: the rest
#: of it is the error page's or the collection's own prose.
_NOT_AN_ARTICLE = re.compile(
    r"^(sorry,? )?(the|this) page you (requested|are looking for|were looking for|tried to reach)"
    r" (could ?not|cannot|can'?t|does ?not|doesn'?t|no longer) (be found|exists?)\b|"
    r"^(error )?404( error)?\s*[-:|.]?\s*((the )?page )?(not found|(cannot|could not) be found)\s*[.!]?$|"
    r"^(the )?page (not found|(cannot|could not) be found)\s*[.!]?$|"
    r"^if you are trying to reach a page from a bookmark\b|"
    r"^crawl (start|end) date:|"
    r"(^|[.!?] )(this data is|these files are) currently not publicly accessible\.",
    _I,
)


@dataclass
class CleanedText:
    """The cleaned text and the lines that were removed from it."""

    text: str
    removed: list[str] = field(default_factory=list)
    #: The line that marked the page as no article at all (an error page, an
    #: archive's collection page), when one did; ``text`` is then empty.
    not_an_article: str | None = None


def normalize_text(text: str) -> str:
    """Unicode NFKC, straight quotes, no invisible or control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_QUOTES)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return text


# Batches of articles repeat lines (wire copy, a site's furniture): each is judged once.
@lru_cache(maxsize=16384)
def boilerplate_kind(line: str) -> str | None:
    """Name the kind of boilerplate ``line`` is ("share", "byline", ...), else None.

    ``line`` should be normalised and stripped; appeals are judged in context
    by :func:`clean_lines`, not here.
    """
    for name, pattern in _BOILERPLATE.items():
        if pattern.match(line):
            return name
    if _BYLINE.match(line):
        return "byline"
    return None


def _is_appeal_line(line: str) -> bool:
    # Appeal prose addresses the reader: count the words that do so.  Reported
    # speech ("We will not back down, the minister said.") is news, not appeal.
    if _REPORTED_SPEECH.search(line):
        return False
    words = max(1, len(line.split()))
    hits = len(_APPEAL_WORDS.findall(line))
    return hits >= 2 or (hits >= 1 and words <= 12) or boilerplate_kind(line) is not None


def _is_caption(line: str) -> bool:
    start = max(3, len(line) - _CREDIT_SPAN)
    if not _CREDIT_CUE.search(line, start):
        return False
    # search() from a position still reads the text before it for \b, unlike a slice.
    credit = _CAPTION_CREDIT.search(line, start)
    if credit is None:
        return False
    text = line[: credit.start()]
    # A credit-like tail inside an open bracket is a link label, not a credit:
    # "... told Live Science. [Titanosaur Photos: Meet the Largest Dinosaur]".
    balanced = text.count("(") == text.count(")") and text.count("[") == text.count("]")
    return balanced and len(text.split()) <= _CAPTION_MAX_WORDS


def _starts_appeal(line: str) -> bool:
    if _APPEAL_START.match(line):
        return True
    return bool(_APPEAL_START_WEAK.match(line)) and _is_appeal_line(line)


def _strip_dateline(line: str) -> str:
    stripped = _AGENCY_DATELINE.sub("", line, count=1)
    if stripped == line:
        stripped = _DATELINE.sub("", line, count=1)
    # A dateline with nothing after it is no sentence: keep the line as it was.
    return stripped if stripped.strip() else line


def clean_lines(text: str) -> CleanedText:
    """Clean ``text`` and report the lines that were removed.

    Lines that are boilerplate (see ``boilerplate_kind``) and reader appeals go;
    a dateline prefix on one of the first lines is cut, its sentence kept.  A
    page that is no article (a "page not found" page, an archive's collection
    page) goes whole, with the line that gave it away in ``not_an_article``.
    """
    text = normalize_text(text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    marker = next((line for line in lines if _NOT_AN_ARTICLE.search(line)), None)
    if marker is not None:
        return CleanedText("", [line for line in lines if line], not_an_article=marker)
    kept: list[str] = []
    removed: list[str] = []
    in_appeal = False
    for line in lines:
        if not line:
            # Appeals run over several paragraphs, so a blank line does not end
            # one: the first line that is not appeal prose does.
            kept.append("")
            continue
        raw, line = line, _LIST_MARK.sub("", line, count=1)
        if _starts_appeal(line):
            in_appeal = True
            removed.append(raw)
            continue
        if in_appeal:
            if _is_appeal_line(line):
                removed.append(raw)
                continue
            in_appeal = False
        if boilerplate_kind(line) is not None or _is_caption(line):
            removed.append(raw)
            continue
        slot = _LEADING_ADVERT.match(line)
        if slot:
            removed.append(slot.group(0).strip())
            line = line[slot.end():]
        if sum(1 for k in kept if k) < _DATELINE_LINES:
            line = _strip_dateline(line)
        kept.append(line)
    cleaned = "\n".join(kept)
    cleaned = re.sub(r"\n{3,}", "\n\n", cleaned).strip()
    return CleanedText(cleaned, removed)


def clean_text(text: str) -> str:
    """Return ``text`` without boilerplate, with unicode, quotes and spaces normalised.

    >>> clean_text("Rates rose.\\nRead more: Why rates rose\\nShare this article")
    'Rates rose.'
    """
    if not isinstance(text, str):
        raise TypeError(f"clean_text expects str, got {type(text).__name__}")
    return clean_lines(text).text
