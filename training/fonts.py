"""python -m training.fonts [--check] [--sheet fonts.png]  — the fonts the letters data set is rendered from.

Two kinds of font, both free software installed by the project itself:

- outline fonts of Debian `fonts-*` packages (`make setup` installs them as root; otherwise the one-line
  error names the `apt-get install` command), read with FreeType (Pillow) and turned into a bitmap glyph;
- the Hershey stroke fonts of PyPI `hershey-fonts` (MIT, in requirements.txt): every glyph is a list of pen
  strokes, replayed as the page's pad draws them (training/strokes.py).

Each family is assigned to one split, fixed here, so that validation and test measure letters in designs the
model never saw (as notMNIST is split by font). Families of one foundry or hand that look alike stay in one
split. Every family of the catalogue was checked to render all 52 letters sensibly; families dropped on that
check (blackletter, ornamental, outlined or incomplete: Isabella, Joscelyn, Oldania ADF, Typo Script,
Femkeklaver, Cabin Sketch, Okolaks, Radis, Bajaderka, Ecolier, Wargames, ...) are not listed.
The Hershey fonts hold three Latin designs besides blackletter — Roman, Italic and Script — and their other
files repeat them letter for letter (`cursive` is `scripts`, `futural` is `rowmans`, `timesrb` is `rowmant`, ...),
so the test split has no stroke font: until 2026-12-05 it held `cursive`, whose 52 letters are those of the
training family Hershey Script stroke for stroke (`shared_designs` now finds such a pair: `python -m training.fonts`
fails on it, and so does tests/test_letters.py).
`font_manifest` records the SHA-256 of every font file used, so a run says exactly which fonts it saw.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from training.files import write_atomic

FONT_ROOT = Path("/usr/share/fonts")
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
GLYPHS = UPPER + UPPER.lower()  # The 52 glyphs drawn of every font; the class of each is its capital.
SPLITS = ("train", "validation", "test")
KINDS = ("handwriting", "sans", "serif", "mono", "stroke")
HERSHEY_PACKAGE = "hershey-fonts"


@dataclass(frozen=True)
class Family:
    """One design: its Debian package (or hershey-fonts), kind, split and font files (paths under
    /usr/share/fonts, or Hershey font names)."""

    name: str
    package: str
    kind: str
    split: str
    files: tuple[str, ...]


def _family(name: str, package: str, kind: str, split: str, *files: str) -> Family:
    return Family(name, package, kind, split, files)


T, O = "truetype", "opentype"
FAMILIES = (
    # Handwriting and script.
    _family("Breip", "fonts-breip", "handwriting", "test", f"{T}/breip/Breip.ttf"),
    _family("Because We Create", "fonts-bwht", "handwriting", "test", f"{O}/bwht/BecauseWeCreate-Regular.otf"),
    _family("Delphine", "fonts-sjfonts", "handwriting", "test", f"{T}/sjfonts/Delphine.ttf"),
    _family("Kaushan Script", "fonts-kaushanscript", "handwriting", "test", f"{O}/kaushanscript/KaushanScript-Regular.otf"),
    _family("Domestic Manners", "fonts-dustin", "handwriting", "test", f"{T}/dustin/Domestic_Manners.ttf"),
    _family("Comic Neue", "fonts-comic-neue", "handwriting", "validation", f"{O}/comic-neue/ComicNeue-Regular.otf", f"{O}/comic-neue/ComicNeue-Italic.otf", f"{O}/comic-neue/ComicNeue-Bold.otf"),
    _family("Because We Learn", "fonts-bwht", "handwriting", "validation", f"{O}/bwht/BecauseWeLearn-Regular.otf"),
    _family("SteveHand", "fonts-sjfonts", "handwriting", "validation", f"{T}/sjfonts/SteveHand.ttf"),
    _family("Havana", "fonts-havana", "handwriting", "validation", f"{O}/havana/Havana-Regular.otf"),
    _family("Because We Build", "fonts-bwht", "handwriting", "train", f"{O}/bwht/BecauseWeBuild-Regular.otf"),
    _family("Because We Connect", "fonts-bwht", "handwriting", "train", f"{O}/bwht/BecauseWeConnect-Regular.otf"),
    _family("Because We Mentor", "fonts-bwht", "handwriting", "train", f"{O}/bwht/BecauseWeMentor-Regular.otf"),
    _family("Because We Organize", "fonts-bwht", "handwriting", "train", f"{O}/bwht/BecauseWeOrganize-Regular.otf"),
    _family("Dkg Handwriting", "fonts-dkg-handwriting", "handwriting", "train", f"{T}/fifthhorseman/dkg.ttf", f"{T}/fifthhorseman/dkgIt.ttf", f"{T}/fifthhorseman/dkgBd.ttf"),
    _family("Humor Sans", "fonts-humor-sans", "handwriting", "train", f"{T}/humor-sans/Humor-Sans.ttf"),
    _family("Kristi", "fonts-kristi", "handwriting", "train", f"{T}/kristi/Kristi.ttf"),
    _family("Rufscript", "fonts-rufscript", "handwriting", "train", f"{T}/rufscript/Rufscript010.ttf"),
    _family("Tomson Talks", "fonts-tomsontalks", "handwriting", "train", f"{T}/tomsontalks/TomsonTalks.ttf"),
    _family("Dancing Script", "fonts-dancingscript", "handwriting", "train", f"{O}/dancingscript/DancingScript-Regular.otf", f"{O}/dancingscript/DancingScript-Bold.otf"),
    _family("El Abogado Loco", "fonts-dustin", "handwriting", "train", f"{T}/dustin/El_Abogado_Loco.ttf"),
    _family("Lobster", "fonts-lobster", "handwriting", "train", f"{O}/lobster/lobster.otf"),
    _family("Leckerli One", "fonts-leckerli-one", "handwriting", "train", f"{T}/leckerli-one/LeckerliOne-Regular.ttf"),
    _family("StayPuft", "fonts-staypuft", "handwriting", "train", f"{T}/staypuft/StayPuft.ttf"),
    _family("Klee One", "fonts-klee", "handwriting", "train", f"{T}/klee/KleeOne-Regular.ttf", f"{T}/klee/KleeOne-SemiBold.ttf"),
    _family("Yusei Magic", "fonts-yusei-magic", "handwriting", "train", f"{T}/yusei-magic/YuseiMagic-Regular.ttf"),
    _family("Z003 (Zapf Chancery)", "fonts-urw-base35", "handwriting", "train", f"{O}/urw-base35/Z003-MediumItalic.otf"),
    _family("Swift", "fonts-dustin", "handwriting", "train", f"{T}/dustin/Swift.ttf"),
    _family("Romande ADF Script", "fonts-adf-romande", "handwriting", "train", f"{T}/adf/RomandeADFScriptStd-Italic.otf"),
    # Sans serif.
    _family("Cantarell", "fonts-cantarell", "sans", "test", f"{O}/cantarell/Cantarell-Regular.otf", f"{O}/cantarell/Cantarell-Bold.otf"),
    _family("Quicksand", "fonts-quicksand", "sans", "test", f"{T}/quicksand/Quicksand-Regular.ttf", f"{T}/quicksand/Quicksand-Bold.ttf"),
    _family("Open Sans", "fonts-open-sans", "sans", "test", f"{T}/open-sans/OpenSans-Regular.ttf", f"{T}/open-sans/OpenSans-Italic.ttf", f"{T}/open-sans/OpenSans-Bold.ttf"),
    _family("B612", "fonts-b612", "sans", "test", f"{O}/b612/B612-Regular.otf", f"{O}/b612/B612-Italic.otf"),
    _family("Cabin", "fonts-cabin", "sans", "validation", f"{O}/cabin/Cabin-Regular.otf", f"{O}/cabin/Cabin-Italic.otf", f"{O}/cabin/Cabin-Bold.otf"),
    _family("Jura", "fonts-jura", "sans", "validation", f"{O}/jura/Jura-Regular.otf", f"{O}/jura/Jura-Bold.otf"),
    _family("Sora", "fonts-sora", "sans", "validation", f"{O}/sora/Sora-Regular.otf", f"{O}/sora/Sora-Bold.otf"),
    _family("Tiresias", "fonts-tiresias", "sans", "validation", f"{T}/tiresias/tiresias_infofont.ttf", f"{T}/tiresias/tiresias_infofont_italic.ttf", f"{T}/tiresias/tiresias_signfont_bold.ttf"),
    _family("DejaVu Sans", "fonts-dejavu-core", "sans", "train", f"{T}/dejavu/DejaVuSans.ttf", f"{T}/dejavu/DejaVuSans-Bold.ttf"),
    _family("Liberation Sans", "fonts-liberation", "sans", "train", f"{T}/liberation/LiberationSans-Regular.ttf", f"{T}/liberation/LiberationSans-Italic.ttf", f"{T}/liberation/LiberationSans-Bold.ttf"),
    _family("Clear Sans", "fonts-clear-sans", "sans", "train", f"{T}/clear-sans/ClearSans-Regular.ttf", f"{T}/clear-sans/ClearSans-Italic.ttf", f"{T}/clear-sans/ClearSans-Bold.ttf"),
    _family("Comfortaa", "fonts-comfortaa", "sans", "train", f"{T}/comfortaa/Comfortaa-Regular.ttf", f"{T}/comfortaa/Comfortaa-Bold.ttf"),
    _family("Dosis", "fonts-dosis", "sans", "train", f"{O}/dosis/Dosis-Book.otf", f"{O}/dosis/Dosis-Bold.otf"),
    _family("Junction", "fonts-junction", "sans", "train", f"{O}/junction/Junction.otf"),
    _family("Tuffy", "fonts-tuffy", "sans", "train", f"{T}/tuffy/Tuffy.ttf", f"{T}/tuffy/Tuffy_Italic.ttf", f"{T}/tuffy/Tuffy_Bold.ttf"),
    _family("Beteckna", "fonts-beteckna", "sans", "train", f"{T}/beteckna/BetecknaGS.ttf", f"{T}/beteckna/BetecknaGS-Italic.ttf"),
    _family("Play", "fonts-play", "sans", "train", f"{T}/play/Play-Regular.ttf", f"{T}/play/Play-Bold.ttf"),
    _family("OpenDyslexic", "fonts-opendyslexic", "sans", "train", f"{O}/opendyslexic/OpenDyslexic-Regular.otf", f"{O}/opendyslexic/OpenDyslexic-Italic.otf"),
    _family("Gillius ADF", "fonts-adf-gillius", "sans", "train", f"{T}/adf/GilliusADF-Regular.otf", f"{T}/adf/GilliusADF-Italic.otf", f"{T}/adf/GilliusADF-Bold.otf"),
    _family("Switzera ADF", "fonts-adf-switzera", "sans", "train", f"{T}/adf/SwitzeraADF-Regular.otf", f"{T}/adf/SwitzeraADF-Italic.otf", f"{T}/adf/SwitzeraADF-Bold.otf"),
    _family("Allerta", "fonts-allerta", "sans", "train", f"{O}/allerta/allerta_medium.otf"),
    _family("Averia Sans", "fonts-averia-sans-gwf", "sans", "train", f"{T}/averia-gwf/AveriaSansGWF-Regular.ttf", f"{T}/averia-gwf/AveriaSansGWF-Italic.ttf"),
    _family("Routed Gothic", "fonts-routed-gothic", "sans", "train", f"{T}/routed-gothic/routed-gothic.ttf", f"{T}/routed-gothic/routed-gothic-italic.ttf", f"{T}/routed-gothic/routed-gothic-wide.ttf"),
    _family("osifont", "fonts-osifont", "sans", "train", f"{T}/osifont/osifont.ttf"),
    _family("National Park", "fonts-national-park", "sans", "train", f"{O}/national-park/NationalPark-Regular.otf", f"{O}/national-park/NationalPark-Heavy.otf"),
    _family("League Spartan", "fonts-league-spartan", "sans", "train", f"{O}/league-spartan/LeagueSpartan-Regular.otf", f"{O}/league-spartan/LeagueSpartan-Bold.otf"),
    _family("Karla", "fonts-karla", "sans", "train", f"{T}/karla/Karla-Regular.otf", f"{T}/karla/Karla-Italic.otf", f"{T}/karla/Karla-Bold.otf"),
    _family("Manrope", "fonts-manrope", "sans", "train", f"{T}/manrope/Manrope-Regular.ttf", f"{T}/manrope/Manrope-Bold.ttf"),
    _family("Dustismo", "fonts-dustin", "sans", "train", f"{T}/dustin/Dustismo.ttf", f"{T}/dustin/dustismo_italic.ttf", f"{T}/dustin/dustismo_bold.ttf"),
    _family("Balker", "fonts-dustin", "sans", "train", f"{T}/dustin/Balker.ttf"),
    _family("Engadget", "fonts-engadget", "sans", "train", f"{T}/engadget/Engadget.ttf"),
    _family("Fantasma", "fonts-fantasma", "sans", "train", f"{O}/fantasma/Fantasma-Bold.otf"),
    _family("Go", "fonts-go", "sans", "train", "fonts-go/Go-Regular.ttf", "fonts-go/Go-Italic.ttf", "fonts-go/Go-Bold.ttf"),
    _family("Libris ADF", "fonts-adf-libris", "sans", "train", f"{T}/adf/LibrisADFStd-Regular.otf", f"{T}/adf/LibrisADFStd-Italic.otf"),
    # Serif.
    _family("EB Garamond", "fonts-ebgaramond", "serif", "test", f"{O}/ebgaramond/EBGaramond12-Regular.otf", f"{O}/ebgaramond/EBGaramond12-Italic.otf", f"{O}/ebgaramond/EBGaramond12-Bold.otf"),
    _family("Arapey", "fonts-arapey", "serif", "test", f"{O}/arapey/Arapey-Regular.otf", f"{O}/arapey/Arapey-Black.otf"),
    _family("Caslon", "fonts-georgewilliams", "serif", "test", f"{T}/fonts-georgewilliams/CaslonRoman.ttf", f"{T}/fonts-georgewilliams/CaslonItalic.ttf", f"{T}/fonts-georgewilliams/CaslonBold.ttf"),
    _family("Linden Hill", "fonts-lindenhill", "serif", "validation", f"{T}/lindenhill/LindenHill.otf", f"{T}/lindenhill/LindenHill-Italic.otf"),
    _family("Roboto Slab", "fonts-roboto-slab", "serif", "validation", f"{O}/roboto/slab/RobotoSlab-Regular.otf", f"{O}/roboto/slab/RobotoSlab-Bold.otf"),
    _family("Caladea", "fonts-crosextra-caladea", "serif", "validation", f"{T}/crosextra/Caladea-Regular.ttf", f"{T}/crosextra/Caladea-Italic.ttf", f"{T}/crosextra/Caladea-Bold.ttf"),
    _family("DejaVu Serif", "fonts-dejavu-core", "serif", "train", f"{T}/dejavu/DejaVuSerif.ttf", f"{T}/dejavu/DejaVuSerif-Bold.ttf"),
    _family("Liberation Serif", "fonts-liberation", "serif", "train", f"{T}/liberation/LiberationSerif-Regular.ttf", f"{T}/liberation/LiberationSerif-Italic.ttf", f"{T}/liberation/LiberationSerif-Bold.ttf"),
    _family("Baskervald ADF", "fonts-adf-baskervald", "serif", "train", f"{T}/adf/BaskervaldADFStd.otf", f"{T}/adf/BaskervaldADFStd-Italic.otf", f"{T}/adf/BaskervaldADFStd-Bold.otf"),
    _family("Accanthis ADF", "fonts-adf-accanthis", "serif", "train", f"{T}/adf/AccanthisADFStd-Regular.otf", f"{T}/adf/AccanthisADFStd-Italic.otf"),
    _family("Goudy Bookletter 1911", "fonts-goudybookletter", "serif", "train", f"{O}/sortsmill/GoudyBookletter1911.otf"),
    _family("Fanwood", "fonts-fanwood", "serif", "train", f"{T}/fanwood/Fanwood.otf", f"{T}/fanwood/Fanwood-Italic.otf"),
    _family("Old Standard", "fonts-oldstandard", "serif", "train", f"{T}/fonts-oldstandard/OldStandard-Regular.ttf", f"{T}/fonts-oldstandard/OldStandard-Italic.ttf", f"{T}/fonts-oldstandard/OldStandard-Bold.ttf"),
    _family("Quattrocento", "fonts-quattrocento", "serif", "train", f"{O}/quattrocento/Quattrocento-Regular.otf"),
    _family("Century Catalogue", "fonts-century-catalogue", "serif", "train", f"{T}/fonts-century-catalogue/Century-Catalogue.ttf"),
    _family("Averia Serif", "fonts-averia-serif-gwf", "serif", "train", f"{T}/averia-gwf/AveriaSerifGWF-Regular.ttf", f"{T}/averia-gwf/AveriaSerifGWF-Italic.ttf"),
    _family("Romande ADF", "fonts-adf-romande", "serif", "train", f"{T}/adf/RomandeADFStd-Regular.otf", f"{T}/adf/RomandeADFStd-Italic.otf"),
    _family("Irianis ADF", "fonts-adf-irianis", "serif", "train", f"{T}/adf/IrianisADFStd-Regular.otf", f"{T}/adf/IrianisADFStd-Italic.otf"),
    _family("Ikarius ADF", "fonts-adf-ikarius", "serif", "train", f"{T}/adf/IkariusADFStd-Regular.otf", f"{T}/adf/IkariusADFStd-Italic.otf"),
    _family("Berenis ADF", "fonts-adf-berenis", "serif", "train", f"{T}/adf/BerenisADFPro-Regular.otf", f"{T}/adf/BerenisADFPro-Italic.otf"),
    _family("Tribun ADF", "fonts-adf-tribun", "serif", "train", f"{T}/adf/TribunADFStd-Regular.otf", f"{T}/adf/TribunADFStd-Italic.otf"),
    _family("Universalis ADF", "fonts-adf-universalis", "serif", "train", f"{T}/adf/UniversalisADFStd-Regular.otf", f"{T}/adf/UniversalisADFStd-Italic.otf"),
    _family("Mekanus ADF", "fonts-adf-mekanus", "serif", "train", f"{T}/adf/MekanusADFStd-Regular.otf", f"{T}/adf/MekanusADFStd-Italic.otf"),
    _family("Verana", "fonts-adf-verana", "serif", "train", f"{T}/adf/Verana-Regular.otf", f"{T}/adf/Verana-Italic.otf"),
    _family("GFS Neohellenic", "fonts-gfs-neohellenic", "serif", "train", f"{O}/neohellenic/GFSNeohellenic.otf", f"{O}/neohellenic/GFSNeohellenicIt.otf"),
    _family("MPH 2B Damase", "fonts-mph-2b-damase", "serif", "train", f"{T}/mph-2b-damase/damase.ttf"),
    _family("Prociono", "fonts-prociono", "serif", "train", f"{O}/fonts-prociono/Prociono.otf"),
    _family("Summersby", "fonts-summersby", "serif", "train", f"{T}/summersby/summersby.ttf"),
    _family("Dustismo Roman", "fonts-dustin", "serif", "train", f"{T}/dustin/Dustismo_Roman.ttf", f"{T}/dustin/Dustismo_Roman_Italic.ttf"),
    _family("GNU Typewriter", "fonts-gnutypewriter", "serif", "train", f"{T}/gnutypewriter/GNUTypewriter.ttf"),
    # Monospaced.
    _family("Inconsolata", "fonts-inconsolata", "mono", "test", f"{T}/inconsolata/Inconsolata.otf"),
    _family("Courier Prime", "fonts-courier-prime", "mono", "test", f"{O}/courier-prime/Courier Prime.otf", f"{O}/courier-prime/Courier Prime Italic.otf"),
    _family("mononoki", "fonts-mononoki", "mono", "validation", f"{T}/mononoki/mononoki-Regular.ttf", f"{T}/mononoki/mononoki-Italic.ttf"),
    _family("Liberation Mono", "fonts-liberation", "mono", "train", f"{T}/liberation/LiberationMono-Regular.ttf", f"{T}/liberation/LiberationMono-Bold.ttf"),
    _family("DejaVu Sans Mono", "fonts-dejavu-core", "mono", "train", f"{T}/dejavu/DejaVuSansMono.ttf"),
    _family("Hermit", "fonts-hermit", "mono", "train", f"{T}/hermit/Hermit-medium.otf"),
    _family("Agave", "fonts-agave", "mono", "train", f"{T}/agave/agave-r-autohinted.ttf"),
    _family("Anonymous Pro", "fonts-anonymous-pro", "mono", "train", f"{T}/anonymous-pro/Anonymous Pro.ttf", f"{T}/anonymous-pro/Anonymous Pro I.ttf"),
    # Hershey stroke fonts (hershey-fonts): single-line glyphs, the closest to a pen.
    _family("Hershey Italic", HERSHEY_PACKAGE, "stroke", "validation", "timesi", "timesib"),
    _family("Hershey Roman", HERSHEY_PACKAGE, "stroke", "train", "rowmans", "rowmand", "rowmant", "timesr"),
    _family("Hershey Script", HERSHEY_PACKAGE, "stroke", "train", "scripts", "scriptc"),
)
del T, O


class FontError(Exception):
    """A font file is missing or unreadable; the message is one line with the remedy."""


def debian_packages(families: tuple[Family, ...] = FAMILIES) -> list[str]:
    """The Debian packages the catalogue needs, sorted (the Makefile's FONT_PACKAGES)."""
    return sorted({family.package for family in families if family.package != HERSHEY_PACKAGE})


def font_path(family: Family, file: str) -> Path:
    return FONT_ROOT / file


def check_fonts(families: tuple[Family, ...] = FAMILIES) -> None:
    """Raise FontError naming the missing files' packages and the install command, if any file is missing."""
    missing = sorted({f.package for f in families if f.package != HERSHEY_PACKAGE for file in f.files if not font_path(f, file).is_file()})
    if missing:
        first = next(font_path(f, file) for f in families if f.package in missing for file in f.files if not font_path(f, file).is_file())
        raise FontError(
            f"{first}: missing font file ({len(missing)} package(s) not installed); "
            f"install them with `make setup` as root or `sudo apt-get install {' '.join(missing)}`"
        )


def hershey_font_bytes(name: str) -> bytes:
    """A Hershey font's own file (.jhf text) as hershey-fonts ships it, inside its embedded archive."""
    import tarfile
    from io import BytesIO

    from HersheyFonts import HersheyFonts

    archive = HersheyFonts()._HersheyFonts__get_compressed_font_bytes()  # The package has no public accessor.
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        try:
            return tar.extractfile(name).read()
        except KeyError as error:
            raise FontError(f"Hershey font {name}: not in hershey-fonts; install requirements.txt (make setup)") from error


def font_manifest(families: tuple[Family, ...] = FAMILIES) -> dict:
    """Every font file used, by split and family, with its SHA-256; `digest` hashes them all."""
    check_fonts(families)
    entries = []
    for family in families:
        for file in family.files:
            data = hershey_font_bytes(file) if family.package == HERSHEY_PACKAGE else font_path(family, file).read_bytes()
            entries.append({"family": family.name, "package": family.package, "kind": family.kind, "split": family.split, "file": file, "sha256": hashlib.sha256(data).hexdigest()})
    digest = hashlib.sha256("".join(f"{e['split']} {e['file']} {e['sha256']}\n" for e in entries).encode()).hexdigest()
    return {"digest": digest, "families": len(families), "files": entries}


@lru_cache(maxsize=64)
def _outline_font(path: str, size: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError as error:
        raise FontError(f"{path}: cannot be read as a font ({error}); reinstall its package") from error


def render_outline(path: Path | str, character: str, size: int = 64) -> np.ndarray:
    """A glyph of an outline font, filled, anti-aliased: uint8 (height, width), 255 = ink, cropped to its ink."""
    return render_on_baseline(path, character, size)[0]


def render_on_baseline(path: Path | str, character: str, size: int = 64) -> tuple[np.ndarray, int]:
    """render_outline's glyph and where its top row is against the baseline (pixels, negative above it), so
    that the letters of a word can be set on one baseline."""
    from PIL import Image, ImageDraw

    font = _outline_font(str(path), size)
    image = Image.new("L", (3 * size, 3 * size), 0)
    ImageDraw.Draw(image).text((size, size), character, font=font, fill=255)  # Its ascender line at row `size`.
    array = np.asarray(image)
    rows, cols = np.nonzero(array > 0)
    if len(rows) == 0:
        raise FontError(f"{path}: glyph {character!r} is empty; drop this font from training/fonts.py")
    return np.ascontiguousarray(array[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]), int(rows.min()) - size - font.getmetrics()[0]


@lru_cache(maxsize=16)
def _hershey_font(name: str):
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    return font


def hershey_strokes(name: str, character: str) -> list[np.ndarray]:
    """A Hershey glyph as pen strokes: float (n, 2) arrays of x, y with y down (as on a canvas)."""
    strokes = [np.asarray(stroke, dtype=np.float64) for stroke in _hershey_font(name).strokes_for_text(character)]
    if not strokes:
        raise FontError(f"Hershey font {name}: glyph {character!r} is empty; drop it from training/fonts.py")
    return strokes


def glyph_shape(family: Family, file: str, character: str, size: int = 24) -> np.ndarray:
    """A glyph's shape alone, to compare designs: its ink (a stroke font's strokes with a fine pen) centred in a
    square and scaled to size x size, bool."""
    from PIL import Image

    if family.package == HERSHEY_PACKAGE:
        from training.strokes import fine_pen_glyph

        glyph = (fine_pen_glyph(hershey_strokes(file, character), 48, 2, 3) * 255).astype(np.uint8)
    else:
        glyph = render_outline(font_path(family, file), character, 48)
    height, width = glyph.shape
    side = max(height, width)
    square = np.zeros((side, side), np.uint8)
    square[(side - height) // 2 : (side - height) // 2 + height, (side - width) // 2 : (side - width) // 2 + width] = glyph
    return np.asarray(Image.fromarray(square).resize((size, size), Image.BILINEAR)) > 100


def shared_designs(families: tuple[Family, ...] = FAMILIES, threshold: float = 0.9) -> list[tuple[str, str, float]]:
    """Pairs of font files in different splits that are one design: the median over the 52 letters of their glyphs'
    overlap (intersection over union of `glyph_shape`) is at least `threshold`. A file that repeats another scores
    1.0; distinct designs of one style score less (the closest pair across splits in the catalogue, two bold
    humanist sans, 0.85; within the training split, Verana and DejaVu Serif, both from Bitstream Vera, 0.92)."""
    files = [(family, file) for family in families for file in family.files]
    shapes = np.stack([[glyph_shape(family, file, character).ravel() for character in GLYPHS] for family, file in files]).astype(np.float32)
    inked = shapes.sum(axis=-1)
    shared = []
    for i, (first, first_file) in enumerate(files):
        for j in range(i + 1, len(files)):
            second, second_file = files[j]
            if first.split != second.split:
                both = (shapes[i] * shapes[j]).sum(axis=-1)
                overlap = float(np.median(both / np.maximum(inked[i] + inked[j] - both, 1)))
                if overlap >= threshold:
                    shared.append((f"{first.name} ({first.split}) {first_file}", f"{second.name} ({second.split}) {second_file}", overlap))
    return shared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the letters fonts and print their split and checksums.")
    parser.add_argument("--packages", action="store_true", help="print the Debian packages the catalogue needs")
    parser.add_argument("--manifest", type=Path, default=None, help="write the font manifest (JSON) here")
    args = parser.parse_args(argv)
    if args.packages:
        print(" ".join(debian_packages()))
        return 0
    try:
        manifest = font_manifest()
    except FontError as error:
        print(f"error: {error}")
        return 1
    status = 0
    for split in SPLITS:
        families = [family for family in FAMILIES if family.split == split]
        files = sum(len(family.files) for family in families)
        print(f"{split}: {len(families)} families, {files} fonts: {', '.join(family.name for family in families)}")
    print(f"font manifest digest {manifest['digest']}")
    for first, second, overlap in shared_designs():
        print(f"error: one design in two splits: {first} and {second} (glyph overlap {overlap:.2f}); keep them in one split")
        status = 1
    if args.manifest:
        write_atomic(args.manifest, (json.dumps(manifest, indent=2) + "\n").encode())
    return status


if __name__ == "__main__":
    raise SystemExit(main())
