"""The word classes of the generic detectors (api/tone/detectors.py): verbs that make a short
line a sentence, words that open a polite short line, fragment nouns by what the engine
does with them, consequence verbs, and acronyms every reader knows."""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """The words of `text` (one space between each) as a set."""
    return frozenset(text.split())


# A one- to three-word line holding one of these is a sentence, not a curt fragment.
VERBS = words(
    "is are was were be been am have has had do does did can could will would shall should "
    "may might must need needs get gets got go goes went see let lets make makes take takes "
    "send sent check call reply try look come give tell keep use wait thank hope love"
)
# Short lines that are polite, or left to the listed rules: greetings, thanks, sign-offs,
# answers, apologies.
NOT_CURT = words(
    "hi hello hey dear thanks thank thx ty cheers regards best sincerely kind kindest warm "
    "warmest yours welcome good morning afternoon evening night congratulations congrats "
    "sorry apologies please yes yeah yep no nope ok okay sure great perfect absolutely "
    "certainly of course bye goodbye wow excellent wonderful lovely brilliant fantastic "
    "awesome amazing enjoy happy merry noted understood fine whatever right correct agreed "
    "exactly indeed gladly with all many much same you i we he she they my our your well "
    "bravo nice cool to"
)
# One word that says only that something was done: the line goes.
# (Not "Shipped." or "Refunded.": a status the customer needs, kept as it is.)
FRAGMENT_DROP = words("done sorted fixed handled resolved looked checked reviewed seen")
# What the last word of a fragment names, and so what the engine makes of it.
FRAGMENT_ERROR = words("error mistake typo mix-up mixup slip oversight misunderstanding confusion")
FRAGMENT_ITEM = words(
    "receipt receipts photo photos picture pictures screenshot screenshots form forms invoice "
    "proof logs log details serial number address passport statement document documents "
    "label"
)
FRAGMENT_PLACE = words(
    "folder inbox settings page tab menu app account website site portal spam junk "
    "faq dashboard profile"
)
CONSEQUENCE = (
    "suspend|close|cancel|block|disconnect|restrict|terminate|deactivate|lock|ban|delete|"
    "cut off|shut off|send (?:it|this|the (?:account|debt|balance|case)) to (?:collections|"
    "(?:our )?legal)|forward (?:it|this|the [a-z]+) to (?:our )?legal|pass (?:it|this|the "
    "[a-z]+) to (?:collections|(?:our )?legal)"
)
PARTICIPLE = (
    "suspended|closed|cancelled|canceled|blocked|disconnected|restricted|terminated|"
    "deactivated|locked|banned|deleted|cut off|shut off|ignored|"
    "(?:forwarded|sent|referred|passed|handed(?: over)?) to (?:our |a |the )?(?:legal|"
    "collections?|debt collect[a-z]*|lawyers?|solicitors?)(?: (?:team|department|agency))?"
)
# Acronyms plain enough for any customer (and currencies, units, sign-off marks).
PLAIN_ACRONYMS = words(
    "USA US UK EU UN ID PDF FAQ FAQS OK TV PIN SMS URL PC IT AM PM EUR USD GBP CAD AUD NZD "
    "JPY CHF INR SEK NOK DKK PLN VAT GST HST CEO HR PS PPS FYI ASAP ETA TBC TBD DIY NB RE FW "
    "FWD CC MR MRS MS DR ST NO QA DM DMS PM GB MB KB TB HD DVD CD USB GPS UPS DHL USPS DPD GLS "
    "TNT ATM APP APPS IOS TXT AKA VIP BBQ LOL OMG NYC LA SF DC UAE NHS BBC CNN NBA NFL XL XXL "
    "XS SM MD LG TM ZIP WWI WWII PO RSVP ASAP CV MP3 MP4 4K LED LCD AC DC AI WIFI"
)

# Fragment words: a state that makes "Wrong form." a fault, words that make a short line a
# verb with its object ("Utilize the app."), words no bare noun phrase holds.
FAULTY = words("wrong incorrect invalid expired missing outdated damaged")
DETERMINERS = words("the a an your my our this that these those its their his her some any")
NOT_NOUNS = words(
    "it them me us you him her this that these those there here up out in on off now again "
    "soon later too"
)
