"""Example stories written for this project, for the demo, the notebook and the tests.

They are invented, not real reporting: three events told by several made-up
outlets, with the kinds of noise real pages carry (a donation appeal, share and
"Read more" lines, a byline), plus one unrelated article.
"""

from __future__ import annotations

from .document import Article

EXAMPLE_ARTICLES: list[Article] = [
    Article(
        source="Harbour Herald",
        title="Magnitude 6.1 earthquake shakes Port Alden, two dead",
        url="https://example.org/harbour-herald/port-alden-quake",
        published="2026-03-14",
        text=(
            "By Maria Lenz\n"
            "A magnitude 6.1 earthquake struck the coastal city of Port Alden early on Saturday, "
            "killing two people and damaging dozens of buildings, officials said.\n"
            "The quake hit at 4:12 a.m. at a depth of 10 kilometres, according to the National Seismic Centre.\n"
            "Mayor Ines Okafor said rescue teams had pulled 14 people from collapsed homes in the old harbour district.\n"
            "Power was cut to about 30,000 households and schools will stay closed on Monday.\n"
            "Share this article\n"
            "Read more: How to prepare an emergency kit"
        ),
    ),
    Article(
        source="Coastline Daily",
        title="Port Alden quake kills two, rescuers search old harbour",
        url="https://example.org/coastline-daily/quake-port-alden",
        published="2026-03-14",
        text=(
            "PORT ALDEN (Coastline Daily) - A 6.1-magnitude earthquake hit Port Alden early Saturday, "
            "killing two people and damaging dozens of buildings, officials said.\n"
            "The National Seismic Centre said the quake struck at 4:12 a.m. at a depth of 10 kilometres.\n"
            "Rescue teams pulled 14 people from collapsed homes in the old harbour district, Mayor Ines Okafor said.\n"
            "About 30,000 households lost power.\n"
            "A Message from Coastline Daily:\n"
            "Dear readers,\n"
            "Independent local journalism needs your help. If you can, please support us with a monthly donation.\n"
            "Every contribution keeps our reporters on the ground. Thank you for standing with us.\n"
            "Remind me later."
        ),
    ),
    Article(
        source="Metro Wire",
        title="Aftershocks rattle Port Alden as damage is counted",
        published="2026-03-15",
        text=(
            "Several aftershocks shook Port Alden on Sunday, a day after a magnitude 6.1 earthquake killed two people.\n"
            "The strongest aftershock measured 4.8, the National Seismic Centre said.\n"
            "Engineers have inspected 120 buildings and declared 18 unsafe, Mayor Ines Okafor said.\n"
            "Photo: Ana Ruiz/Metro Wire"
        ),
    ),
    Article(
        source="Valley Courier",
        title="Magnitude 5.4 quake hits Kessling, no injuries",
        published="2026-09-02",
        text=(
            "A magnitude 5.4 earthquake struck the mountain town of Kessling on Wednesday afternoon.\n"
            "No injuries were reported, the regional fire service said.\n"
            "The quake was felt as far away as Brandt, 80 kilometres to the north, and cracked the wall of the Kessling town hall.\n"
            "Follow us on Twitter for updates"
        ),
    ),
    Article(
        source="Valley Times",
        title="Kessling earthquake cracks town hall",
        published="2026-09-02",
        text=(
            "A 5.4-magnitude earthquake hit Kessling on Wednesday, cracking the wall of the town hall.\n"
            "The regional fire service said no one was hurt.\n"
            "Residents in Brandt, 80 kilometres to the north, also felt the shaking."
        ),
    ),
    Article(
        source="Business Ledger",
        title="Northgate Bank raises rates to 4.25%",
        published="2026-05-06",
        text=(
            "Northgate Bank raised its benchmark interest rate by a quarter point to 4.25% on Tuesday, "
            "its third increase this year.\n"
            "Governor Paul Verhoeven said inflation of 5.2% in April was still too high.\n"
            "Mortgage lenders are expected to pass on the increase within weeks.\n"
            "Sign up for our free markets newsletter"
        ),
    ),
]


def example_text() -> str:
    """The examples as pasted text: articles separated by ``---`` with header lines."""
    blocks = []
    for article in EXAMPLE_ARTICLES:
        header = [f"Source: {article.source}", f"Title: {article.title}"]
        if article.url:
            header.append(f"URL: {article.url}")
        if article.published:
            header.append(f"Date: {article.published}")
        blocks.append("\n".join(header) + "\n\n" + article.text)
    return "\n---\n".join(blocks)
