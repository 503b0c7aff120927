#include "ui/MonitorPanel.h"

#include <QBoxLayout>
#include <QButtonGroup>
#include <QComboBox>
#include <QFontMetrics>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QVariant>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "dsp/SpeakerParameters.h"

namespace gainstage {

namespace {

// Sliders move in half-dB steps: fine enough for a monitor level, coarse
// enough that the keyboard gets somewhere.
constexpr int kStepsPerDb = 2;

int sliderPosition(float db) { return static_cast<int>(std::lround(db * kStepsPerDb)); }
float sliderDb(int position) { return static_cast<float>(position) / kStepsPerDb; }

bool near(double a, double b) { return std::abs(a - b) < 1e-4; }

bool sameSettings(const MonitorSettings& a, const MonitorSettings& b) {
    return a.output == b.output && a.speaker == b.speaker && a.ampPowerW == b.ampPowerW &&
           a.ampLoadOhms == b.ampLoadOhms && a.ampOutputOhms == b.ampOutputOhms && a.ampGainDb == b.ampGainDb &&
           a.ampSag == b.ampSag && a.crossfeed == b.crossfeed &&
           a.customCrossfeed.cutoffHz == b.customCrossfeed.cutoffHz &&
           a.customCrossfeed.feedDb == b.customCrossfeed.feedDb && a.volumeDb == b.volumeDb && a.dim == b.dim &&
           a.mono == b.mono && a.mute == b.mute;
}

QString formatDb(double db) {
    const QString number = QString::number(std::abs(db), 'f', 1);
    if (number == QLatin1String("0.0")) return QStringLiteral("0.0 dB");
    return (db > 0 ? QStringLiteral("+") : QStringLiteral("-")) + number + QStringLiteral(" dB");
}

QString formatNumber(double value) { return QString::number(value, 'g', 4); }
QString formatOhms(double ohms) { return formatNumber(ohms) + QStringLiteral(" Ω"); }

// What the recordist sees for each model; Flat is named for what it does.
QString speakerName(SpeakerId id) {
    if (id == SpeakerId::Flat) return QStringLiteral("Flat (no speaker)");
    const std::string_view name = speakerParameters(id).name;
    return QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()));
}

QString speakerTip(SpeakerId id) {
    switch (id) {
    case SpeakerId::Flat: return QStringLiteral("No speaker: what you hear is the mix itself, untouched.");
    case SpeakerId::NearField:
        return QStringLiteral("What your mix sounds like on two-way near-field monitors on the desk: the upper-mid push "
                              "that shows up harsh vocals and guitars.");
    case SpeakerId::Cube:
        return QStringLiteral("What your mix sounds like through a small one-speaker cube: mostly mid-range, so you hear "
                              "whether the vocal and the guitar still sit without the bass and the air.");
    case SpeakerId::HiFi:
        return QStringLiteral("What your mix sounds like on big hi-fi floorstanders at home: deep bass and a gentle "
                              "treble lift.");
    case SpeakerId::Laptop:
        return QStringLiteral("What your mix sounds like on laptop speakers: no bass, a thin and resonant middle.");
    case SpeakerId::Phone:
        return QStringLiteral("What your mix sounds like on a phone's speaker: mono, mid-range only, held down by the "
                              "phone's limiter.");
    }
    return {};
}

constexpr std::array<float, 11> kAmpPowers{1.0f, 2.0f, 5.0f, 10.0f, 20.0f, 30.0f, 50.0f, 100.0f, 200.0f, 500.0f, 1000.0f};

struct AmpTypeChoice {
    const char* name;
    float outputOhms;
    const char* tip;
};
constexpr std::array<AmpTypeChoice, 3> kAmpTypes{{
    {"Solid state", 0.05f, "A transistor amp: it holds the speaker firmly, so the bass stays tight."},
    {"Tube", 1.0f, "A tube amp: the speaker's own resonances come through, a looser bass and a livelier top."},
    {"Vintage tube", 3.0f, "An old tube amp with little feedback: the speaker colours the sound strongly."},
}};

constexpr std::array<CrossfeedPreset, 4> kCrossfeedPresets{CrossfeedPreset::None, CrossfeedPreset::Default,
                                                          CrossfeedPreset::ChuMoy, CrossfeedPreset::Meier};

QString crossfeedText(CrossfeedPreset preset, CrossfeedSetting custom) {
    const CrossfeedSetting s = preset == CrossfeedPreset::Custom ? custom : crossfeedPresetSetting(preset);
    const QString figures = QStringLiteral(" (%1 Hz, %2 dB)").arg(formatNumber(s.cutoffHz), formatNumber(s.feedDb));
    switch (preset) {
    case CrossfeedPreset::None: return QStringLiteral("None");
    case CrossfeedPreset::Default: return QStringLiteral("Default") + figures;
    case CrossfeedPreset::ChuMoy: return QStringLiteral("Chu Moy") + figures;
    case CrossfeedPreset::Meier: return QStringLiteral("Meier") + figures;
    case CrossfeedPreset::Custom: return QStringLiteral("Custom") + figures;
    }
    return {};
}

QString crossfeedTip(CrossfeedPreset preset) {
    switch (preset) {
    case CrossfeedPreset::None: return QStringLiteral("Plain headphones: each side in one ear only.");
    case CrossfeedPreset::Default: return QStringLiteral("A gentle amount: hard-panned parts stop pulling at one ear.");
    case CrossfeedPreset::ChuMoy: return QStringLiteral("A little more, after Chu Moy's headphone amp.");
    case CrossfeedPreset::Meier: return QStringLiteral("The strongest, after Jan Meier's: closest to sitting between speakers.");
    case CrossfeedPreset::Custom: return QStringLiteral("Your own cutoff and amount, as stored with this output's settings.");
    }
    return {};
}

double dampingFor(const MonitorSettings& s) {
    const ResolvedAmp amp = resolveAmp(s);
    return amp.outputOhms > 0.0 ? amp.loadOhms / amp.outputOhms : std::numeric_limits<double>::infinity();
}

struct Choice {
    QString text;
    QVariant data;
    QString tip;
};

// Refills a combo only when its items differ: the combos are refreshed from
// their own change handlers, where clearing the model under Qt's feet is asking for trouble.
void fill(QComboBox* combo, const std::vector<Choice>& choices, int current) {
    bool same = combo->count() == static_cast<int>(choices.size());
    for (int i = 0; same && i < combo->count(); ++i)
        same = combo->itemText(i) == choices[static_cast<size_t>(i)].text &&
               combo->itemData(i) == choices[static_cast<size_t>(i)].data;
    if (!same) {
        combo->clear();
        for (const Choice& c : choices) {
            combo->addItem(c.text, c.data);
            if (!c.tip.isEmpty()) combo->setItemData(combo->count() - 1, c.tip, Qt::ToolTipRole);
        }
    }
    combo->setCurrentIndex(current);
}

void describe(QWidget* widget, const QString& name, const QString& tip) {
    widget->setAccessibleName(name);
    widget->setToolTip(tip);
}

QLabel* caption(const QString& text, QWidget* buddy, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setBuddy(buddy);
    label->setToolTip(buddy->toolTip());
    label->setAccessibleName(buddy->accessibleName() + QStringLiteral(" label"));
    return label;
}

// The sections are separate grids (so each can hide); one caption width lines their controls up.
void alignCaptions(QGridLayout* grid, const QWidget* owner) {
    const QFontMetrics metrics = owner->fontMetrics();
    int width = 0;
    for (const char* text : {"Speaker", "Amp power", "Amp type", "Amp gain", "Crossfeed", "Volume"})
        width = std::max(width, metrics.horizontalAdvance(QLatin1String(text)));
    grid->setColumnMinimumWidth(0, width + 6);
}

QPushButton* toggle(const QString& text, const QString& objectName, QWidget* parent) {
    auto* button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setCheckable(true);
    button->setFocusPolicy(Qt::StrongFocus);
    return button;
}

} // namespace

MonitorPanel::MonitorPanel(QWidget* parent)
    : QWidget(parent), listeningLevel_(std::numeric_limits<double>::quiet_NaN()), dampingFactor_(dampingFor(settings_)) {
    setObjectName(QStringLiteral("monitorPanel"));
    setAccessibleName(QStringLiteral("Monitor"));
    setToolTip(QStringLiteral("Monitor: how you hear the mix, on speakers or headphones. This is what is heard, never "
                              "what is recorded: takes and exports do not include any of it. The settings are kept "
                              "for each output device."));
    // Mute is red and Dim amber when on, so a silent or quiet monitor is never a
    // mystery; the other toggles light up in the palette's highlight.
    setStyleSheet(QStringLiteral(
        "QPushButton:checked { background-color: palette(highlight); color: palette(highlighted-text);"
        " border: 1px solid palette(dark); border-radius: 3px; padding: 4px 10px; }"
        "QPushButton#monitorMute:checked { background-color: #d32f2f; color: white; border-color: #7f1515; }"
        "QPushButton#monitorDim:checked { background-color: #f0a030; color: black; border-color: #8a5a10; }"));

    sections_ = new QBoxLayout(QBoxLayout::TopToBottom, this);
    sections_->setContentsMargins(8, 8, 8, 8);
    sections_->setSpacing(10);
    // Top-aligned, so that side by side (a bottom dock) no section's rows spread out.
    sections_->addWidget(buildOutputSection(), 0, Qt::AlignTop);
    sections_->addWidget(speakerSection_ = buildSpeakerSection(), 0, Qt::AlignTop);
    sections_->addWidget(headphonesSection_ = buildHeadphonesSection(), 0, Qt::AlignTop);
    sections_->addWidget(buildLevelSection(), 0, Qt::AlignTop);
    sections_->addStretch(1);
    refresh();
}

QWidget* MonitorPanel::buildOutputSection() {
    auto* section = new QWidget(this);
    auto* layout = new QVBoxLayout(section);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    auto* title = new QLabel(QStringLiteral("<b>Monitor</b> <small>(heard only, never recorded)</small>"), section);
    title->setAccessibleName(QStringLiteral("Monitor: heard only, never recorded"));
    title->setToolTip(toolTip());
    layout->addWidget(title);

    auto* segments = new QHBoxLayout();
    segments->setSpacing(0);
    speakersButton_ = toggle(QStringLiteral("Speakers"), QStringLiteral("monitorSpeakers"), section);
    describe(speakersButton_, QStringLiteral("Speakers"),
             QStringLiteral("Hear the mix as it would sound through a power amp and a speaker you choose below."));
    headphonesButton_ = toggle(QStringLiteral("Headphones"), QStringLiteral("monitorHeadphones"), section);
    describe(headphonesButton_, QStringLiteral("Headphones"),
             QStringLiteral("You listen on headphones: no speaker simulation; crossfeed can make them feel more like "
                            "speakers."));
    outputGroup_ = new QButtonGroup(section);
    outputGroup_->setExclusive(true);
    outputGroup_->addButton(speakersButton_, static_cast<int>(MonitorOutput::Speakers));
    outputGroup_->addButton(headphonesButton_, static_cast<int>(MonitorOutput::Headphones));
    segments->addWidget(speakersButton_, 1);
    segments->addWidget(headphonesButton_, 1);
    layout->addLayout(segments);

    connect(outputGroup_, &QButtonGroup::idClicked, this, [this](int id) {
        MonitorSettings s = settings_;
        s.output = static_cast<MonitorOutput>(id);
        commit(s, QStringLiteral("Monitor output"));
    });
    return section;
}

QWidget* MonitorPanel::buildSpeakerSection() {
    auto* section = new QWidget(this);
    auto* grid = new QGridLayout(section);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);

    speaker_ = new QComboBox(section);
    speaker_->setObjectName(QStringLiteral("monitorSpeaker"));
    for (int i = 0; i < kSpeakerModelCount; ++i) {
        const auto id = static_cast<SpeakerId>(i);
        speaker_->addItem(speakerName(id), i);
        speaker_->setItemData(i, speakerTip(id), Qt::ToolTipRole);
    }
    describe(speaker_, QStringLiteral("Speaker"),
             QStringLiteral("The speaker you hear the mix through. Check a mix on several: what still works on the "
                            "cube and the phone will work anywhere."));

    ampPower_ = new QComboBox(section);
    ampPower_->setObjectName(QStringLiteral("monitorAmpPower"));
    describe(ampPower_, QStringLiteral("Amp power"),
             QStringLiteral("How powerful the amp driving the speaker is. A small amp runs out of headroom sooner and "
                            "clips on loud peaks. \"Speaker's usual amp\" is the one this speaker normally has."));

    ampType_ = new QComboBox(section);
    ampType_->setObjectName(QStringLiteral("monitorAmpType"));
    describe(ampType_, QStringLiteral("Amp type"),
             QStringLiteral("How firmly the amp holds the speaker (its output impedance). Solid state keeps the bass "
                            "tight; with a tube amp the speaker's own resonances come through."));

    damping_ = new QLabel(section);
    damping_->setObjectName(QStringLiteral("monitorDamping"));
    describe(damping_, QStringLiteral("Damping factor"),
             QStringLiteral("Damping factor: the speaker's impedance over the amp's output impedance. Above 100 the amp "
                            "is in control (solid state); below 10 the speaker colours the sound (tube)."));

    ampGain_ = new QSlider(Qt::Horizontal, section);
    ampGain_->setObjectName(QStringLiteral("monitorAmpGain"));
    ampGain_->setRange(sliderPosition(kAmpMinGainDb), sliderPosition(kAmpMaxGainDb));
    ampGain_->setSingleStep(1);
    ampGain_->setPageStep(6 * kStepsPerDb);
    describe(ampGain_, QStringLiteral("Amp gain"),
             QStringLiteral("How hard the amp is driven: at 0 dB a full-scale sine takes it to its rated power. More "
                            "gain makes it clip and the cones move further; what you hear stays as loud (use Volume "
                            "for that)."));
    ampGainValue_ = new QLabel(section);
    ampGainValue_->setObjectName(QStringLiteral("monitorAmpGainValue"));
    ampGainValue_->setMinimumWidth(ampGainValue_->fontMetrics().horizontalAdvance(QStringLiteral("+40.0 dB")));
    ampGainValue_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    describe(ampGainValue_, QStringLiteral("Amp gain value"), ampGain_->toolTip());

    ampSag_ = toggle(QStringLiteral("Sag"), QStringLiteral("monitorAmpSag"), section);
    describe(ampSag_, QStringLiteral("Amp sag"),
             QStringLiteral("Power-supply sag: the amp's supply droops on long loud passages and softens them, the way "
                            "a tube amp or a small supply does."));

    grid->addWidget(caption(QStringLiteral("&Speaker"), speaker_, section), 0, 0);
    grid->addWidget(speaker_, 0, 1, 1, 2);
    grid->addWidget(caption(QStringLiteral("Amp &power"), ampPower_, section), 1, 0);
    grid->addWidget(ampPower_, 1, 1, 1, 2);
    grid->addWidget(caption(QStringLiteral("Amp &type"), ampType_, section), 2, 0);
    grid->addWidget(ampType_, 2, 1, 1, 2);
    grid->addWidget(damping_, 3, 1);
    grid->addWidget(ampSag_, 3, 2, Qt::AlignRight);
    grid->addWidget(caption(QStringLiteral("Amp &gain"), ampGain_, section), 4, 0);
    grid->addWidget(ampGain_, 4, 1);
    grid->addWidget(ampGainValue_, 4, 2);
    grid->setColumnStretch(1, 1);
    alignCaptions(grid, this);

    connect(speaker_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        MonitorSettings s = settings_;
        s.speaker = static_cast<SpeakerId>(speaker_->itemData(index).toInt());
        commit(s, QStringLiteral("Monitor speaker"));
    });
    connect(ampPower_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        MonitorSettings s = settings_;
        s.ampPowerW = ampPower_->itemData(index).toFloat();
        commit(s, QStringLiteral("Amp power"));
    });
    connect(ampType_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        MonitorSettings s = settings_;
        s.ampOutputOhms = ampType_->itemData(index).toFloat();
        commit(s, QStringLiteral("Amp type"));
    });
    connect(ampSag_, &QPushButton::clicked, this, [this](bool on) {
        MonitorSettings s = settings_;
        s.ampSag = on;
        commit(s, QStringLiteral("Amp sag"));
    });
    connectDrag(ampGain_, &MonitorPanel::applyAmpGain, QStringLiteral("Amp gain"));
    return section;
}

QWidget* MonitorPanel::buildHeadphonesSection() {
    auto* section = new QWidget(this);
    auto* grid = new QGridLayout(section);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);

    crossfeed_ = new QComboBox(section);
    crossfeed_->setObjectName(QStringLiteral("monitorCrossfeed"));
    describe(crossfeed_, QStringLiteral("Crossfeed"),
             QStringLiteral("Headphones put each side in one ear only, which makes hard-panned mixes tiring. Crossfeed "
                            "lets a little of each side into the other ear, the way your head does with speakers."));
    grid->addWidget(caption(QStringLiteral("&Crossfeed"), crossfeed_, section), 0, 0);
    grid->addWidget(crossfeed_, 0, 1);
    grid->setColumnStretch(1, 1);
    alignCaptions(grid, this);

    connect(crossfeed_, &QComboBox::currentIndexChanged, this, [this](int index) {
        if (index < 0) return;
        MonitorSettings s = settings_;
        s.crossfeed = static_cast<CrossfeedPreset>(crossfeed_->itemData(index).toInt());
        commit(s, QStringLiteral("Crossfeed"));
    });
    return section;
}

QWidget* MonitorPanel::buildLevelSection() {
    auto* section = new QWidget(this);
    auto* grid = new QGridLayout(section);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(4);

    volume_ = new QSlider(Qt::Horizontal, section);
    volume_->setObjectName(QStringLiteral("monitorVolume"));
    volume_->setRange(sliderPosition(kMonitorMinVolumeDb), sliderPosition(kMonitorMaxVolumeDb));
    volume_->setSingleStep(1);
    volume_->setPageStep(6 * kStepsPerDb);
    volume_->setTickPosition(QSlider::TicksBelow);
    volume_->setTickInterval(12 * kStepsPerDb);
    describe(volume_, QStringLiteral("Monitor volume"),
             QStringLiteral("How loud you hear it, from %1 to %2 dB. It changes nothing that is recorded.")
                 .arg(formatNumber(kMonitorMinVolumeDb), QStringLiteral("+") + formatNumber(kMonitorMaxVolumeDb)));
    volumeValue_ = new QLabel(section);
    volumeValue_->setObjectName(QStringLiteral("monitorVolumeValue"));
    volumeValue_->setMinimumWidth(volumeValue_->fontMetrics().horizontalAdvance(QStringLiteral("-60.0 dB")));
    volumeValue_->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    describe(volumeValue_, QStringLiteral("Monitor volume value"), volume_->toolTip());

    listening_ = new QLabel(section);
    listening_->setObjectName(QStringLiteral("monitorListeningLevel"));
    describe(listening_, QStringLiteral("Listening level"),
             QStringLiteral("About how loud the chosen speaker would play at 1 m with this amp, for what is playing "
                            "now. \"—\" on headphones or Flat, where there is no speaker to ask."));

    dim_ = toggle(QStringLiteral("Dim"), QStringLiteral("monitorDim"), section);
    describe(dim_, QStringLiteral("Dim"),
             QStringLiteral("Turns the monitors down by 20 dB, to talk to the performer or take a phone call; click "
                            "again to go back."));
    mono_ = toggle(QStringLiteral("Mono"), QStringLiteral("monitorMono"), section);
    describe(mono_, QStringLiteral("Mono"),
             QStringLiteral("Left and right summed: check that nothing disappears when the mix is played in mono "
                            "(a sign of phase trouble)."));
    mute_ = toggle(QStringLiteral("Mute"), QStringLiteral("monitorMute"), section);
    describe(mute_, QStringLiteral("Mute"), QStringLiteral("Silences the monitors. Recording carries on."));

    grid->addWidget(caption(QStringLiteral("&Volume"), volume_, section), 0, 0);
    grid->addWidget(volume_, 0, 1);
    grid->addWidget(volumeValue_, 0, 2);
    grid->addWidget(listening_, 1, 1, 1, 2);
    auto* toggles = new QHBoxLayout();
    toggles->setSpacing(4);
    toggles->addWidget(dim_);
    toggles->addWidget(mono_);
    toggles->addWidget(mute_);
    grid->addLayout(toggles, 2, 0, 1, 3);
    grid->setColumnStretch(1, 1);
    alignCaptions(grid, this);

    connectDrag(volume_, &MonitorPanel::applyVolume, QStringLiteral("Monitor volume"));
    const auto connectToggle = [this](QPushButton* button, bool MonitorSettings::*field, const QString& what) {
        connect(button, &QPushButton::clicked, this, [this, field, what](bool on) {
            MonitorSettings s = settings_;
            s.*field = on;
            commit(s, what);
        });
    };
    connectToggle(dim_, &MonitorSettings::dim, QStringLiteral("Dim"));
    connectToggle(mono_, &MonitorSettings::mono, QStringLiteral("Mono"));
    connectToggle(mute_, &MonitorSettings::mute, QStringLiteral("Mute"));
    return section;
}

void MonitorPanel::connectDrag(QSlider* slider, void (MonitorPanel::*apply)(MonitorSettings&, int) const,
                               const QString& what) {
    connect(slider, &QSlider::sliderPressed, this, [this] {
        dragStart_ = settings_;
        dragging_ = true;
    });
    connect(slider, &QSlider::valueChanged, this, [this, slider, apply, what](int position) {
        MonitorSettings s = settings_;
        (this->*apply)(s, position);
        if (dragging_ && slider->isSliderDown()) {
            settings_ = s;
            refreshReadouts();
            emit livePreview(settings_);
        } else {
            // Keys, the wheel and clicks on the groove: each step is a change of its own.
            commit(s, what);
        }
    });
    connect(slider, &QSlider::sliderReleased, this, [this, what] {
        if (!dragging_) return;
        dragging_ = false;
        if (!sameSettings(dragStart_, settings_)) emit edited(dragStart_, settings_, what);
    });
}

void MonitorPanel::applyVolume(MonitorSettings& s, int position) const { s.volumeDb = sliderDb(position); }
void MonitorPanel::applyAmpGain(MonitorSettings& s, int position) const { s.ampGainDb = sliderDb(position); }

void MonitorPanel::commit(const MonitorSettings& after, const QString& what) {
    if (sameSettings(after, settings_)) return;
    const MonitorSettings before = settings_;
    settings_ = after;
    refresh();
    emit edited(before, after, what);
}

void MonitorPanel::setSettings(const MonitorSettings& settings) {
    settings_ = settings;
    // A drag in progress belongs to the old value: drop it rather than record a step from it.
    dragging_ = false;
    refresh();
}

void MonitorPanel::setListeningLevel(double dbSpl) {
    listeningLevel_ = dbSpl;
    refreshReadouts();
}

void MonitorPanel::setDampingFactor(double dampingFactor) {
    dampingFactor_ = dampingFactor;
    refreshReadouts();
}

void MonitorPanel::setOrientation(Qt::Orientation orientation) {
    orientation_ = orientation;
    sections_->setDirection(orientation == Qt::Horizontal ? QBoxLayout::LeftToRight : QBoxLayout::TopToBottom);
}

QString MonitorPanel::listeningLevelText() const {
    if (!std::isfinite(listeningLevel_)) return QStringLiteral("—");
    return QStringLiteral("≈ %1 dB SPL at 1 m").arg(std::lround(listeningLevel_));
}

QString MonitorPanel::dampingText() const {
    if (settings_.speaker == SpeakerId::Flat || std::isnan(dampingFactor_)) return QStringLiteral("damping —");
    if (std::isinf(dampingFactor_)) return QStringLiteral("damping ∞");
    return QStringLiteral("damping %1").arg(QString::number(dampingFactor_, 'f', dampingFactor_ < 10.0 ? 1 : 0));
}

QString MonitorPanel::volumeText() const { return formatDb(settings_.volumeDb); }

void MonitorPanel::refresh() {
    dampingFactor_ = dampingFor(settings_);
    {
        const QSignalBlocker b1(outputGroup_), b2(speaker_), b3(ampGain_), b4(ampSag_), b5(volume_), b6(dim_),
            b7(mono_), b8(mute_);
        (settings_.output == MonitorOutput::Speakers ? speakersButton_ : headphonesButton_)->setChecked(true);
        speaker_->setCurrentIndex(speaker_->findData(static_cast<int>(settings_.speaker)));
        // While dragging, the slider is where the hand put it already.
        if (!ampGain_->isSliderDown()) ampGain_->setValue(sliderPosition(settings_.ampGainDb));
        if (!volume_->isSliderDown()) volume_->setValue(sliderPosition(settings_.volumeDb));
        ampSag_->setChecked(settings_.ampSag);
        dim_->setChecked(settings_.dim);
        mono_->setChecked(settings_.mono);
        mute_->setChecked(settings_.mute);
    }
    refreshAmpChoices();
    refreshCrossfeedChoices();
    refreshVisibility();
    refreshReadouts();
}

void MonitorPanel::refreshAmpChoices() {
    const SpeakerParameters& usual = speakerParameters(settings_.speaker);
    const QSignalBlocker b1(ampPower_), b2(ampType_);

    // The usual amp's figures follow the speaker, and a value stored by hand
    // that is not a preset is shown as itself.
    std::vector<Choice> powers{{QStringLiteral("Speaker's usual amp (%1 W)").arg(formatNumber(usual.ampPowerW)),
                                QVariant(0.0f), QStringLiteral("The amp this speaker normally has.")}};
    const float watts = settings_.ampPowerW;
    bool listed = watts <= 0.0f;
    for (float preset : kAmpPowers) {
        if (!listed && watts < preset && !near(watts, preset)) {
            powers.push_back({formatNumber(watts) + QStringLiteral(" W"), QVariant(watts), {}});
            listed = true;
        }
        if (near(watts, preset)) listed = true;
        powers.push_back({formatNumber(preset) + QStringLiteral(" W"), QVariant(preset), {}});
    }
    if (!listed) powers.push_back({formatNumber(watts) + QStringLiteral(" W"), QVariant(watts), {}});
    int powerIndex = 0;
    for (size_t i = 1; i < powers.size(); ++i)
        if (watts > 0.0f && near(powers[i].data.toFloat(), watts)) powerIndex = static_cast<int>(i);
    fill(ampPower_, powers, powerIndex);

    std::vector<Choice> types{{QStringLiteral("Speaker's usual amp (%1)").arg(formatOhms(usual.ampOutputOhms)),
                               QVariant(-1.0f), QStringLiteral("The amp this speaker normally has.")}};
    const float ohms = settings_.ampOutputOhms;
    int typeIndex = 0;
    for (const AmpTypeChoice& choice : kAmpTypes) {
        types.push_back({QStringLiteral("%1 (%2)").arg(QLatin1String(choice.name), formatOhms(choice.outputOhms)),
                         QVariant(choice.outputOhms), QString::fromUtf8(choice.tip)});
        if (ohms >= 0.0f && near(ohms, choice.outputOhms)) typeIndex = static_cast<int>(types.size()) - 1;
    }
    if (ohms >= 0.0f && typeIndex == 0) {
        types.push_back({QStringLiteral("Custom (%1)").arg(formatOhms(ohms)), QVariant(ohms),
                         QStringLiteral("An output impedance stored with this output's settings.")});
        typeIndex = static_cast<int>(types.size()) - 1;
    }
    fill(ampType_, types, typeIndex);
}

void MonitorPanel::refreshCrossfeedChoices() {
    const QSignalBlocker blocker(crossfeed_);
    std::vector<Choice> choices;
    for (CrossfeedPreset preset : kCrossfeedPresets)
        choices.push_back({crossfeedText(preset, settings_.customCrossfeed), static_cast<int>(preset), crossfeedTip(preset)});
    // Custom is only offered when the stored settings hold one: it has no knobs here.
    if (settings_.crossfeed == CrossfeedPreset::Custom)
        choices.push_back({crossfeedText(CrossfeedPreset::Custom, settings_.customCrossfeed),
                           static_cast<int>(CrossfeedPreset::Custom), crossfeedTip(CrossfeedPreset::Custom)});
    int current = 0;
    for (size_t i = 0; i < choices.size(); ++i)
        if (choices[i].data.toInt() == static_cast<int>(settings_.crossfeed)) current = static_cast<int>(i);
    fill(crossfeed_, choices, current);
}

void MonitorPanel::refreshVisibility() {
    const bool speakers = settings_.output == MonitorOutput::Speakers;
    speakerSection_->setVisible(speakers);
    headphonesSection_->setVisible(!speakers);
    // Flat has no amp to set: the controls stay in place (nothing jumps) but rest.
    const bool amp = settings_.speaker != SpeakerId::Flat;
    for (QWidget* w : {static_cast<QWidget*>(ampPower_), static_cast<QWidget*>(ampType_),
                       static_cast<QWidget*>(damping_), static_cast<QWidget*>(ampGain_),
                       static_cast<QWidget*>(ampGainValue_), static_cast<QWidget*>(ampSag_)})
        w->setEnabled(amp);
}

void MonitorPanel::refreshReadouts() {
    ampGainValue_->setText(formatDb(settings_.ampGainDb));
    volumeValue_->setText(volumeText());
    listening_->setText(listeningLevelText());
    // Nothing to estimate (headphones, Flat, or no reading yet): the row gives its space back.
    listening_->setVisible(std::isfinite(listeningLevel_));
    damping_->setText(dampingText());
}

} // namespace gainstage
