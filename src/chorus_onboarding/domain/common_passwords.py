"""The built-in list of very common passwords, English and French.

This is the minimum list, small enough to ship inside the pure domain; the
service wiring extends it (``chorus_onboarding.adapters.strength`` adds the
most frequent passwords of zxcvbn's list). Entries are casefolded, as
:class:`~chorus_onboarding.domain.passwords.PasswordPolicy` compares them
with the casefolded password. Variants that only add trailing digits or
punctuation ("azerty123!") need no entry of their own: the policy strips
those before looking the password up.
"""

from __future__ import annotations

# Kept as whitespace-separated words, several to a line, so that the list
# reads and diffs easily; no entry contains a space.
_WORDS = """
    123456 1234567 12345678 123456789 1234567890 12345 1234 123 123123 111111
    000000 654321 121212 112233 666666 696969 7777777 987654321 0123456789
    azerty azertyuiop azertyui azer qsdfgh qsdfghjklm wxcvbn aqwzsx
    a1z2e3r4 1a2z3e4r qwerty qwertyuiop qwertz asdfgh asdfghjkl zxcvbn
    zxcvbnm qazwsx 1qaz2wsx zaq12wsx 1q2w3e4r 1q2w3e4r5t abc123 abcdef
    abcd1234 a1b2c3 aaaaaa password passw0rd p@ssw0rd p@ssword
    pass passe passpass motdepasse mot2passe m0tdepasse motdepass mdp
    monmotdepasse secret secrets admin administrator administrateur root
    toor user utilisateur guest invite test demo temp default
    changeme welcome bienvenue letmein login access iloveyou loveme lovely
    jetaime jtm amour monamour bonjour bonsoir salut coucou hello soleil
    bonheur liberte liberté chocolat vacances doudou loulou chouchou
    nounours bisous boubou titi toto tata tutu tintin minou minette
    poupette mamour chéri cheri chérie cherie princesse princess
    chorus choruspro chorus-pro chorus_pro factures facture facturation
    tresor trésor dgfip impots impôts finances marianne republique
    république france francais français paris marseille lyon toulouse
    bordeaux nantes lille nice strasbourg rennes montpellier bretagne
    corse olympique psg allezlom football baseball basketball soccer
    rugby hockey tennis nicolas camille julien thomas alexandre maxime
    antoine pierre olivier sebastien sébastien celine céline stephane
    stéphane frederic frédéric isabelle nathalie sandrine sophie
    julie marie laurent philippe christophe michel patrick david
    francois françois jeanne louis lucas emma manon chloe chloé
    michael jordan jennifer jessica ashley daniel andrew charlie robert
    superman batman spiderman starwars pokemon naruto dragon monkey
    shadow master mustang ferrari porsche harley ninja killer hunter
    sunshine flower summer winter spring autumn freedom whatever
    trustno1 computer internet
    google facebook microsoft apple samsung orange freebox livebox
    matrix merlin tigger ginger pepper cookie banana cheese
    butterfly jesus dieu jesuslove angel ange anges bebe bébé
    maman papa famille enfants mamie papy chien chat nemo
    titeuf garfield snoopy mickey minnie bambou caramel
    hottie azertyqwerty mypassword
    yankees dallas lakers arsenal chelsea liverpool barcelona madrid
"""

COMMON_PASSWORDS: frozenset[str] = frozenset(_WORDS.split())
"""Very common passwords, casefolded: the minimum list; the service wiring extends it."""
