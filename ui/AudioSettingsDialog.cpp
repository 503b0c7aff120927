#include "ui/AudioSettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "core/VirtualBackend.h"

namespace gainstage {

namespace {

const QString kVirtualNote = QStringLiteral(
    "Virtual: no hardware: plays demo material and records it - for trying Gainstage out");

bool sameApi(const QString& a, const QString& b) { return a.compare(b, Qt::CaseInsensitive) == 0; }

QString hostApiTip(const QString& api) {
    if (sameApi(api, QStringLiteral("ALSA")))
        return QStringLiteral("Linux's own sound drivers. A \"hw:\" device talks to the interface directly: the lowest "
                              "latency, but no other program can use it meanwhile.");
    if (sameApi(api, QStringLiteral("JACK")))
        return QStringLiteral("The JACK server: the interface is shared with other audio programs, and the sample rate "
                              "and buffer size are the server's.");
    if (sameApi(api, QStringLiteral("OSS"))) return QStringLiteral("The older Linux sound interface.");
    if (sameApi(api, kVirtualHostApi)) return kVirtualNote;
    return QStringLiteral("Audio devices reached through %1.").arg(api);
}

QString kiloHertz(int rate) { return QString::number(rate / 1000.0, 'g', 4) + QStringLiteral(" kHz"); }
QString milliseconds(double seconds) { return QString::number(seconds * 1000.0, 'f', 1) + QStringLiteral(" ms"); }

QStringList numbered(const QString& prefix, int count) {
    QStringList names;
    for (int i = 1; i <= count; ++i) names << QStringLiteral("%1 %2").arg(prefix).arg(i);
    return names;
}

template <typename List>
int pick(const List& offered, std::initializer_list<int> preferences) {
    for (int wanted : preferences)
        if (std::find(offered.begin(), offered.end(), wanted) != offered.end()) return wanted;
    return offered.empty() ? 0 : *offered.begin();
}

void describe(QWidget* widget, const QString& name, const QString& tip) {
    widget->setAccessibleName(name);
    widget->setToolTip(tip);
}

} // namespace

AudioSettingsDialog::AudioSettingsDialog(const std::vector<AudioDeviceInfo>& devices,
                                         const AudioDeviceRequest& current, QWidget* parent)
    : QDialog(parent), devices_(devices), current_(current) {
    if (std::none_of(devices_.begin(), devices_.end(),
                     [](const AudioDeviceInfo& d) { return sameApi(d.hostApi, kVirtualHostApi); }))
        devices_.push_back(VirtualBackend::deviceInfo());

    setWindowTitle(QStringLiteral("Audio Settings"));
    setAccessibleName(QStringLiteral("Audio settings"));

    hostApi_ = new QComboBox(this);
    describe(hostApi_, QStringLiteral("Host API"),
             QStringLiteral("How Gainstage reaches your interface: ALSA directly, through the JACK server, or the "
                            "Virtual device when there is no hardware."));
    virtualNote_ = new QLabel(kVirtualNote, this);
    virtualNote_->setWordWrap(true);
    virtualNote_->setAccessibleName(QStringLiteral("About the Virtual device"));
    virtualNote_->setToolTip(QStringLiteral("The Virtual device needs no interface: input 1 plays a sung vocal, input "
                                            "2 a DI guitar, and what you record is real."));
    device_ = new QComboBox(this);
    describe(device_, QStringLiteral("Device"),
             QStringLiteral("The audio interface, with how many inputs and outputs it has."));
    sampleRate_ = new QComboBox(this);
    describe(sampleRate_, QStringLiteral("Sample rate"),
             QStringLiteral("Samples per second. 48 kHz suits almost everything; higher rates cost CPU and disk and "
                            "shorten the latency a little."));
    bufferSize_ = new QComboBox(this);
    describe(bufferSize_, QStringLiteral("Buffer size"),
             QStringLiteral("Frames per audio block. Smaller: you hear yourself sooner, but the computer has less "
                            "time per block and may drop out (xruns). Larger: safer, but you hear yourself later."));
    latency_ = new QLabel(this);
    latency_->setWordWrap(true);
    describe(latency_, QStringLiteral("Latency"),
             QStringLiteral("The delay one buffer adds, and about how late you hear yourself (in and out). The "
                            "interface's converters add a little more; `gainstage calibrate` measures the real round "
                            "trip."));

    auto* form = new QFormLayout();
    const auto addRow = [form, this](const QString& text, QWidget* field) {
        auto* label = new QLabel(text, this);
        label->setBuddy(field);
        label->setToolTip(field->toolTip());
        form->addRow(label, field);
    };
    addRow(QStringLiteral("&Host API"), hostApi_);
    form->addRow(QString(), virtualNote_);
    addRow(QStringLiteral("&Device"), device_);
    addRow(QStringLiteral("Sample &rate"), sampleRate_);
    addRow(QStringLiteral("&Buffer size"), bufferSize_);
    form->addRow(QString(), latency_);

    inputs_ = new QListWidget(this);
    describe(inputs_, QStringLiteral("Inputs"), QStringLiteral("The chosen device's inputs: each can feed a track."));
    outputs_ = new QListWidget(this);
    describe(outputs_, QStringLiteral("Outputs"),
             QStringLiteral("The chosen device's outputs: the monitor plays on the first two."));
    for (QListWidget* list : {inputs_, outputs_}) {
        list->setSelectionMode(QAbstractItemView::NoSelection);
        list->setMinimumHeight(90);
        // Enough for a stereo or 8-channel interface; more channels scroll.
        list->setMaximumHeight(150);
    }
    inputsTitle_ = new QLabel(this);
    inputsTitle_->setBuddy(inputs_);
    inputsTitle_->setToolTip(inputs_->toolTip());
    outputsTitle_ = new QLabel(this);
    outputsTitle_->setBuddy(outputs_);
    outputsTitle_->setToolTip(outputs_->toolTip());
    auto* channels = new QGridLayout();
    channels->addWidget(inputsTitle_, 0, 0);
    channels->addWidget(outputsTitle_, 0, 1);
    channels->addWidget(inputs_, 1, 0);
    channels->addWidget(outputs_, 1, 1);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    // Test sits apart on the left: it checks the choice, it does not make it.
    test_ = new QPushButton(QStringLiteral("&Test"), this);
    describe(test_, QStringLiteral("Test"),
             QStringLiteral("Plays a short tone (1 s, 440 Hz, -18 dBFS) on the chosen outputs, to check that you hear "
                            "this device."));
    QPushButton* ok = buttons->button(QDialogButtonBox::Ok);
    describe(ok, QStringLiteral("OK"), QStringLiteral("Open this device with these settings."));
    QPushButton* cancel = buttons->button(QDialogButtonBox::Cancel);
    describe(cancel, QStringLiteral("Cancel"), QStringLiteral("Keep the device as it is."));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(test_, &QPushButton::clicked, this, [this] { emit testToneRequested(request()); });

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addLayout(channels);
    auto* bottom = new QHBoxLayout();
    bottom->addWidget(test_);
    bottom->addStretch(1);
    bottom->addWidget(buttons);
    layout->addLayout(bottom);

    // The device in use: named, else the default one of its host API, else the first.
    const AudioDeviceInfo* start = nullptr;
    for (const AudioDeviceInfo& d : devices_) {
        const bool apiMatches = current.hostApi.isEmpty() || sameApi(d.hostApi, current.hostApi);
        if (!apiMatches) continue;
        if (!current.device.isEmpty() ? d.name == current.device : d.isDefault) {
            start = &d;
            break;
        }
    }
    if (!start)
        for (const AudioDeviceInfo& d : devices_)
            if (current.hostApi.isEmpty() || sameApi(d.hostApi, current.hostApi)) {
                start = &d;
                break;
            }
    if (!start) start = &devices_.front();

    // Host APIs in the order the list gives them, the Virtual one last.
    QStringList apis;
    for (const AudioDeviceInfo& d : devices_)
        if (!sameApi(d.hostApi, kVirtualHostApi) && !apis.contains(d.hostApi)) apis << d.hostApi;
    apis << kVirtualHostApi;
    for (const QString& api : apis) {
        hostApi_->addItem(api, api);
        hostApi_->setItemData(hostApi_->count() - 1, hostApiTip(api), Qt::ToolTipRole);
    }
    for (int i = 0; i < hostApi_->count(); ++i)
        if (sameApi(hostApi_->itemText(i), start->hostApi)) hostApi_->setCurrentIndex(i);
    fillDevices(start->name);
    fillFormats(current.sampleRate, current.bufferFrames);

    connect(hostApi_, &QComboBox::currentIndexChanged, this, [this] {
        fillDevices(QString());
        fillFormats(sampleRate_->currentData().toInt(), bufferSize_->currentData().toInt());
    });
    connect(device_, &QComboBox::currentIndexChanged, this, [this] {
        // A rate and buffer already chosen stay chosen where the new device offers them.
        fillFormats(sampleRate_->currentData().toInt(), bufferSize_->currentData().toInt());
    });
    connect(sampleRate_, &QComboBox::currentIndexChanged, this, [this] { refreshLatency(); });
    connect(bufferSize_, &QComboBox::currentIndexChanged, this, [this] { refreshLatency(); });
}

const AudioDeviceInfo* AudioSettingsDialog::chosenDevice() const {
    const int index = device_->currentData().toInt();
    return device_->currentIndex() >= 0 && index >= 0 && index < static_cast<int>(devices_.size())
               ? &devices_[static_cast<size_t>(index)]
               : nullptr;
}

void AudioSettingsDialog::fillDevices(const QString& preferredName) {
    const QString api = hostApi_->currentData().toString();
    virtualNote_->setVisible(sameApi(api, kVirtualHostApi));
    const QSignalBlocker blocker(device_);
    device_->clear();
    int chosen = -1;
    for (size_t i = 0; i < devices_.size(); ++i) {
        const AudioDeviceInfo& d = devices_[i];
        if (!sameApi(d.hostApi, api)) continue;
        QString text = QStringLiteral("%1 (%2 in, %3 out)").arg(d.name).arg(d.inputs).arg(d.outputs);
        if (d.isDefault) text += QStringLiteral(", default");
        device_->addItem(text, static_cast<int>(i));
        device_->setItemData(device_->count() - 1, d.fullName(), Qt::ToolTipRole);
        const int row = device_->count() - 1;
        if (!preferredName.isEmpty() ? d.name == preferredName : (d.isDefault && chosen < 0)) chosen = row;
    }
    device_->setCurrentIndex(chosen >= 0 ? chosen : 0);
}

void AudioSettingsDialog::fillFormats(int preferredRate, int preferredBuffer) {
    const AudioDeviceInfo* d = chosenDevice();
    std::vector<int> rates, buffers;
    int defaultRate = 0, defaultBuffer = kDefaultBufferFrames;
    if (d) {
        rates = d->sampleRates;
        buffers = d->bufferSizes;
        defaultRate = static_cast<int>(std::lround(d->defaultSampleRate));
        defaultBuffer = d->defaultBufferFrames;
    }
    if (rates.empty()) rates.assign(kProbedSampleRates.begin(), kProbedSampleRates.end());
    if (buffers.empty())
        for (int frames = kMinBufferFrames; frames <= kMaxBufferFrames; frames *= 2) buffers.push_back(frames);

    {
        const QSignalBlocker b1(sampleRate_), b2(bufferSize_);
        sampleRate_->clear();
        for (int rate : rates) sampleRate_->addItem(QStringLiteral("%1 Hz").arg(rate), rate);
        sampleRate_->setCurrentIndex(sampleRate_->findData(pick(rates, {preferredRate, defaultRate, 48000})));
        bufferSize_->clear();
        for (int frames : buffers) bufferSize_->addItem(QStringLiteral("%1 frames").arg(frames), frames);
        bufferSize_->setCurrentIndex(
            bufferSize_->findData(pick(buffers, {preferredBuffer, defaultBuffer, kDefaultBufferFrames})));
    }
    refreshChannels();
    refreshLatency();
}

void AudioSettingsDialog::refreshChannels() {
    inputs_->clear();
    outputs_->clear();
    const QStringList ins = inputChannelNames(), outs = outputChannelNames();
    inputs_->addItems(ins);
    outputs_->addItems(outs);
    inputsTitle_->setText(QStringLiteral("&Inputs (%1)").arg(ins.size()));
    outputsTitle_->setText(QStringLiteral("&Outputs (%1)").arg(outs.size()));
}

void AudioSettingsDialog::refreshLatency() { latency_->setText(latencyText()); }

QString AudioSettingsDialog::latencyDescription(int bufferFrames, int sampleRate) {
    if (bufferFrames <= 0 || sampleRate <= 0) return QString();
    const double seconds = static_cast<double>(bufferFrames) / sampleRate;
    // One buffer on the way in and one on the way out.
    return QStringLiteral("Buffer %1 frames = %2 at %3; round trip about %4")
        .arg(bufferFrames)
        .arg(milliseconds(seconds), kiloHertz(sampleRate), milliseconds(2.0 * seconds));
}

QString AudioSettingsDialog::latencyText() const {
    return latencyDescription(bufferSize_->currentData().toInt(), sampleRate_->currentData().toInt());
}

AudioDeviceRequest AudioSettingsDialog::request() const {
    AudioDeviceRequest r = current_;
    if (const AudioDeviceInfo* d = chosenDevice()) {
        r.hostApi = d->hostApi;
        r.device = d->name;
    }
    r.sampleRate = sampleRate_->currentData().toInt();
    r.bufferFrames = bufferSize_->currentData().toInt();
    return r;
}

void AudioSettingsDialog::setChannelNames(const QString& deviceFullName, const QStringList& inputs,
                                          const QStringList& outputs) {
    inputNames_.insert(deviceFullName, inputs);
    outputNames_.insert(deviceFullName, outputs);
    refreshChannels();
}

QStringList AudioSettingsDialog::inputChannelNames() const {
    const AudioDeviceInfo* d = chosenDevice();
    if (!d) return {};
    return inputNames_.value(d->fullName(), numbered(QStringLiteral("In"), d->inputs));
}

QStringList AudioSettingsDialog::outputChannelNames() const {
    const AudioDeviceInfo* d = chosenDevice();
    if (!d) return {};
    return outputNames_.value(d->fullName(), numbered(QStringLiteral("Out"), d->outputs));
}

} // namespace gainstage
