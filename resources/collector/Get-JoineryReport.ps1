<#
.SYNOPSIS
    Collects what Joinery needs to know about this Windows device into one JSON check-in report.

.DESCRIPTION
    Reads the device's identity (serial, manufacturer, model, name, Autopilot hardware hash),
    Windows edition and build, BitLocker per volume, TPM, Secure Boot, code integrity and
    virtualization-based security, Microsoft Defender, the firewall profiles, antivirus and
    antispyware registered with Windows Security Center, the local password policy, the
    newest installed update and the device's join state (dsregcmd /status), and writes them
    to ONE file:

        joinery-report-<serial>-<yyyyMMddHHmmss>.json   (UTC time, UTF-8 without a BOM)

    Every fact is read on its own: if one cannot be read, it is written as null and the reason
    goes into the report's "errors" list; the rest of the report is still written.
    The format is "joinery.report/1.1", described in docs/collector-report.md.

    Run it from an elevated prompt ("Run as administrator"). Without elevation the hardware
    hash (MDM_DevDetail_Ext01), BitLocker (Win32_EncryptableVolume), the TPM (Win32_Tpm) and
    the secedit fallback cannot be read, and come out null.

    Works on Windows PowerShell 5.1 and PowerShell 7. The file is pure ASCII on purpose:
    Windows PowerShell 5.1 reads a script without a byte-order mark as ANSI.

.PARAMETER OutputPath
    Folder to write the report into. Defaults to the folder holding this script, so a report
    run from a USB stick lands on the stick. Created if it does not exist.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File E:\Get-JoineryReport.ps1

    Writes E:\joinery-report-PF3ABCDE-20261129050000.json.

.EXAMPLE
    .\Get-JoineryReport.ps1 -OutputPath C:\Temp\reports

.OUTPUTS
    The path of the report written (a string).

.NOTES
    Schema: joinery.report/1.1. Collector version: see $CollectorVersion below.
    Import the reports into Joinery with "joinery ingest E:\" (a folder) or by file.
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string]$OutputPath
)

$ErrorActionPreference = 'Stop'
$CollectorVersion = '1.1.0'
$Schema = 'joinery.report/1.1'
$script:FactErrors = New-Object System.Collections.ArrayList

if ($PSVersionTable.PSVersion.Major -lt 6) {
    # Windows PowerShell 5.1 can serialize arrays as {"value": [...], "Count": n} through an
    # extended type; removing it gives plain JSON arrays.
    Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

function Add-FactError {
    param([string]$Fact, $Problem)
    $message = [string]$Problem
    if ($Problem -is [System.Management.Automation.ErrorRecord]) {
        $message = $Problem.Exception.Message
    }
    [void]$script:FactErrors.Add([ordered]@{ fact = $Fact; message = $message.Trim() })
}

function Invoke-Fact {
    # Runs one fact's collector; a failure leaves that fact null and is recorded in "errors".
    # A collector returns a scalar or an [ordered] dictionary, never a bare array: "return"
    # would unroll it.
    param([string]$Fact, [scriptblock]$Collect)
    try {
        return (& $Collect)
    }
    catch {
        Add-FactError -Fact $Fact -Problem $_
        return $null
    }
}

function Get-CimSafe {
    # Get-CimInstance, or Get-WmiObject where CIM is unavailable (Windows PowerShell 5.1 only).
    param([string]$ClassName, [string]$Namespace = 'root\cimv2', [string]$Filter)
    $cim = @{ ClassName = $ClassName; Namespace = $Namespace; ErrorAction = 'Stop' }
    if ($Filter) { $cim.Filter = $Filter }
    if (Get-Command -Name Get-CimInstance -ErrorAction SilentlyContinue) {
        try {
            return (Get-CimInstance @cim)
        }
        catch {
            if (-not (Get-Command -Name Get-WmiObject -ErrorAction SilentlyContinue)) { throw }
        }
    }
    $wmi = @{ Class = $ClassName; Namespace = $Namespace; ErrorAction = 'Stop' }
    if ($Filter) { $wmi.Filter = $Filter }
    return (Get-WmiObject @wmi)
}

function Invoke-InstanceMethod {
    # A CIM or WMI method with no input parameters; returns its output parameters.
    param($Instance, [string]$MethodName)
    if ($Instance.GetType().FullName -eq 'Microsoft.Management.Infrastructure.CimInstance') {
        return (Invoke-CimMethod -InputObject $Instance -MethodName $MethodName -ErrorAction Stop)
    }
    return $Instance.InvokeMethod($MethodName, $null, $null)
}

function Test-Elevated {
    $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($identity)
    return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
}

function ConvertTo-IntList {
    param($Values)
    $list = @()
    foreach ($value in @($Values)) {
        if ($null -ne $value) { $list += [int]$value }
    }
    return , $list
}

function ConvertTo-IsoDate {
    # Win32_QuickFixEngineering.InstalledOn: a DateTime (PowerShell's type data), an
    # M/d/yyyy string, or a hexadecimal FILETIME on some old updates.
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [datetime]) { return $Value.ToString('yyyy-MM-dd', [Globalization.CultureInfo]::InvariantCulture) }
    $text = ([string]$Value).Trim()
    if (-not $text) { return $null }
    $parsed = [datetime]::MinValue
    $formats = [string[]]@('M/d/yyyy', 'MM/dd/yyyy', 'yyyyMMdd', 'yyyy-MM-dd', 'M/d/yyyy h:mm:ss tt')
    $invariant = [Globalization.CultureInfo]::InvariantCulture
    if ([datetime]::TryParseExact($text, $formats, $invariant, [Globalization.DateTimeStyles]::None, [ref]$parsed)) {
        return $parsed.ToString('yyyy-MM-dd', $invariant)
    }
    if ($text -match '^[0-9A-Fa-f]{15,16}$') {
        return [datetime]::FromFileTimeUtc([Convert]::ToInt64($text, 16)).ToString('yyyy-MM-dd', $invariant)
    }
    if ([datetime]::TryParse($text, [ref]$parsed)) {
        return $parsed.ToString('yyyy-MM-dd', $invariant)
    }
    return $null
}

# ---------------------------------------------------------------------------------------------
# Facts: each function returns one part of the report, or throws.
# ---------------------------------------------------------------------------------------------

function Get-SerialFact {
    $bios = @(Get-CimSafe -ClassName 'Win32_BIOS')[0]
    $serial = ([string]$bios.SerialNumber).Trim()
    if (-not $serial) { throw 'Win32_BIOS.SerialNumber is empty' }
    return $serial
}

function Get-ComputerSystemFact {
    $system = @(Get-CimSafe -ClassName 'Win32_ComputerSystem')[0]
    return [ordered]@{
        manufacturer = ([string]$system.Manufacturer).Trim()
        model        = ([string]$system.Model).Trim()
        name         = ([string]$system.Name).Trim()
    }
}

function Get-HardwareHashFact {
    # The Autopilot 4K hardware hash; the MDM bridge answers elevated callers only.
    $filter = "InstanceID='Ext' AND ParentID='./DevDetail'"
    $detail = @(Get-CimSafe -Namespace 'root\cimv2\mdm\dmmap' -ClassName 'MDM_DevDetail_Ext01' -Filter $filter)
    if ($detail.Count -eq 0 -or -not $detail[0].DeviceHardwareData) {
        throw 'MDM_DevDetail_Ext01.DeviceHardwareData is empty (run from an elevated prompt)'
    }
    return [string]$detail[0].DeviceHardwareData
}

function Get-OsFact {
    $os = @(Get-CimSafe -ClassName 'Win32_OperatingSystem')[0]
    $key = Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $build = [string]$key.CurrentBuild
    if (-not $build) { $build = [string]$os.BuildNumber }
    $major = $key.CurrentMajorVersionNumber
    $minor = $key.CurrentMinorVersionNumber
    if ($null -eq $major) {
        $parts = ([string]$os.Version).Split('.')
        $major = $parts[0]
        $minor = $parts[1]
    }
    $ubr = $key.UBR
    if ($null -eq $ubr) { $ubr = 0 }
    $displayVersion = $key.DisplayVersion
    if ($null -eq $displayVersion) { $displayVersion = $key.ReleaseId }
    return [ordered]@{
        edition        = (([string]$os.Caption) -replace '^\s*Microsoft\s+', '').Trim()
        editionId      = [string]$key.EditionID
        version        = ('{0}.{1}.{2}.{3}' -f $major, $minor, $build, $ubr)
        displayVersion = [string]$displayVersion
    }
}

$BitLockerMethods = @{ 0 = 'None'; 1 = 'Aes128Diffuser'; 2 = 'Aes256Diffuser'; 3 = 'Aes128'; 4 = 'Aes256'; 5 = 'Hardware'; 6 = 'XtsAes128'; 7 = 'XtsAes256' }
$BitLockerConversion = @{ 0 = 'FullyDecrypted'; 1 = 'FullyEncrypted'; 2 = 'EncryptionInProgress'; 3 = 'DecryptionInProgress'; 4 = 'EncryptionPaused'; 5 = 'DecryptionPaused' }
$BitLockerVolumeTypes = @{ 0 = 'OperatingSystem'; 1 = 'FixedData'; 2 = 'Removable' }
$BitLockerProtection = @{ 0 = 'Off'; 1 = 'On'; 2 = 'Unknown' }

function Get-EncryptableVolumes {
    $volumes = @()
    $items = @(Get-CimSafe -Namespace 'root\cimv2\Security\MicrosoftVolumeEncryption' -ClassName 'Win32_EncryptableVolume')
    foreach ($item in $items) {
        $status = Invoke-InstanceMethod -Instance $item -MethodName 'GetConversionStatus'
        $method = Invoke-InstanceMethod -Instance $item -MethodName 'GetEncryptionMethod'
        $mount = [string]$item.DriveLetter
        if (-not $mount) { $mount = [string]$item.DeviceID }
        # A locked data volume can't report its conversion: unknown, not 0% encrypted.
        $percent = $null
        $conversion = $null
        if ([int]$status.ReturnValue -eq 0) {
            $percent = [int]$status.EncryptionPercentage
            $conversion = $BitLockerConversion[[int]$status.ConversionStatus]
        }
        $volumes += , ([ordered]@{
                mountPoint           = $mount
                volumeType           = $BitLockerVolumeTypes[[int]$item.VolumeType]
                protectionStatus     = $BitLockerProtection[[int]$item.ProtectionStatus]
                volumeStatus         = $conversion
                encryptionPercentage = $percent
                encryptionMethod     = $BitLockerMethods[[int]$method.EncryptionMethod]
            })
    }
    return , $volumes
}

function Get-BitLockerModuleVolumes {
    # Fallback: the BitLocker module. Its VolumeType says only OperatingSystem or Data, so the
    # drive type (2 = removable) tells fixed data volumes from USB sticks.
    $volumes = @()
    foreach ($item in @(Get-BitLockerVolume -ErrorAction Stop)) {
        $type = 'FixedData'
        if ([string]$item.VolumeType -eq 'OperatingSystem') {
            $type = 'OperatingSystem'
        }
        else {
            $disk = @(Get-CimSafe -ClassName 'Win32_LogicalDisk' -Filter ("DeviceID='{0}'" -f $item.MountPoint))
            if ($disk.Count -gt 0 -and [int]$disk[0].DriveType -eq 2) { $type = 'Removable' }
        }
        $volumes += , ([ordered]@{
                mountPoint           = [string]$item.MountPoint
                volumeType           = $type
                protectionStatus     = [string]$item.ProtectionStatus
                volumeStatus         = [string]$item.VolumeStatus
                encryptionPercentage = [int]$item.EncryptionPercentage
                encryptionMethod     = [string]$item.EncryptionMethod
            })
    }
    return , $volumes
}

function Get-BitLockerFact {
    try {
        $volumes = Get-EncryptableVolumes
    }
    catch {
        $first = $_
        try {
            $volumes = Get-BitLockerModuleVolumes
        }
        catch {
            throw ('Win32_EncryptableVolume: {0}; Get-BitLockerVolume: {1}' -f $first.Exception.Message, $_.Exception.Message)
        }
    }
    return [ordered]@{ volumes = $volumes }
}

function Get-TpmFact {
    try {
        $tpm = @(Get-CimSafe -Namespace 'root\cimv2\Security\MicrosoftTpm' -ClassName 'Win32_Tpm')
    }
    catch {
        $fallback = Get-Tpm -ErrorAction Stop  # tells presence, not the version
        return [ordered]@{ present = [bool]$fallback.TpmPresent; specVersion = $null; version = $null }
    }
    if ($tpm.Count -eq 0) {
        return [ordered]@{ present = $false; specVersion = $null; version = '' }
    }
    # SpecVersion is "2.0, 0, 1.59": the TPM family first.
    $spec = [string]$tpm[0].SpecVersion
    return [ordered]@{ present = $true; specVersion = $spec; version = ($spec.Split(',')[0]).Trim() }
}

function Get-SecureBootFact {
    try {
        return [bool](Confirm-SecureBootUEFI -ErrorAction Stop)
    }
    catch [System.PlatformNotSupportedException] {
        return $false  # legacy BIOS boot: there is no Secure Boot
    }
    catch {
        # Not elevated: the registry holds the same state and anyone may read it.
        $state = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\SecureBoot\State' -Name 'UEFISecureBootEnabled'
        return ([int]$state.UEFISecureBootEnabled -eq 1)
    }
}

$CodeIntegritySource = @'
using System;
using System.Runtime.InteropServices;
public static class JoineryCodeIntegrity {
    [StructLayout(LayoutKind.Sequential)]
    private struct SystemCodeIntegrityInformation { public uint Length; public uint Options; }
    [DllImport("ntdll.dll")]
    private static extern int NtQuerySystemInformation(int infoClass, ref SystemCodeIntegrityInformation info, int size, out int returned);
    public static uint Options() {
        SystemCodeIntegrityInformation info = new SystemCodeIntegrityInformation();
        info.Length = (uint)Marshal.SizeOf(typeof(SystemCodeIntegrityInformation));
        int returned;
        int status = NtQuerySystemInformation(103, ref info, (int)info.Length, out returned);
        if (status != 0) { throw new InvalidOperationException("NtQuerySystemInformation returned 0x" + status.ToString("X8")); }
        return info.Options;
    }
}
'@

function Get-CodeIntegrityFact {
    # SystemCodeIntegrityInformation: 0x01 = enabled, 0x02 = test signing. Constrained
    # language mode forbids Add-Type; then bcdedit's boot options tell the same (elevated).
    try {
        if (-not ('JoineryCodeIntegrity' -as [type])) { Add-Type -TypeDefinition $CodeIntegritySource }
        $options = [JoineryCodeIntegrity]::Options()
        return [ordered]@{
            enabled     = (($options -band 0x01) -ne 0)
            testSigning = (($options -band 0x02) -ne 0)
            options     = [int64]$options
        }
    }
    catch {
        $ErrorActionPreference = 'Continue'
        $lines = @(& bcdedit.exe /enum '{current}' 2>$null)
        if ($LASTEXITCODE -ne 0) { throw ('Add-Type: {0}; bcdedit exited with {1}' -f $_.Exception.Message, $LASTEXITCODE) }
        $noChecks = @($lines | Where-Object { $_ -match '^\s*nointegritychecks\s+Yes' }).Count -gt 0
        $testSigning = @($lines | Where-Object { $_ -match '^\s*testsigning\s+Yes' }).Count -gt 0
        return [ordered]@{ enabled = (-not $noChecks); testSigning = $testSigning; options = $null }
    }
}

function Get-DeviceGuardFact {
    # SecurityServicesRunning: 1 = Credential Guard, 2 = memory integrity (HVCI),
    # 3 = System Guard Secure Launch, 4 = SMM firmware measurement.
    $guard = @(Get-CimSafe -Namespace 'root\Microsoft\Windows\DeviceGuard' -ClassName 'Win32_DeviceGuard')
    if ($guard.Count -eq 0) { throw 'Win32_DeviceGuard has no instance' }
    $g = $guard[0]
    return [ordered]@{
        virtualizationBasedSecurityStatus    = [int]$g.VirtualizationBasedSecurityStatus
        securityServicesConfigured           = (ConvertTo-IntList $g.SecurityServicesConfigured)
        securityServicesRunning              = (ConvertTo-IntList $g.SecurityServicesRunning)
        codeIntegrityPolicyEnforcementStatus = [int]$g.CodeIntegrityPolicyEnforcementStatus
    }
}

function Get-DefenderFact {
    try {
        $mp = Get-MpComputerStatus -ErrorAction Stop
    }
    catch {
        $mp = @(Get-CimSafe -Namespace 'root\Microsoft\Windows\Defender' -ClassName 'MSFT_MpComputerStatus')[0]
        if ($null -eq $mp) { throw }
    }
    $age = $null
    if ($null -ne $mp.AntivirusSignatureAge) { $age = [int]$mp.AntivirusSignatureAge }
    return [ordered]@{
        antivirusEnabled          = [bool]$mp.AntivirusEnabled
        realTimeProtectionEnabled = [bool]$mp.RealTimeProtectionEnabled
        amServiceEnabled          = [bool]$mp.AMServiceEnabled
        amProductVersion          = [string]$mp.AMProductVersion
        antivirusSignatureAge     = $age
    }
}

function Get-FirewallFact {
    $profiles = @()
    try {
        # The active store: local settings merged with Group Policy, as the firewall applies them.
        foreach ($p in @(Get-NetFirewallProfile -PolicyStore ActiveStore -ErrorAction Stop)) {
            $profiles += , ([ordered]@{ name = [string]$p.Name; enabled = ([string]$p.Enabled -eq 'True') })
        }
    }
    catch {
        foreach ($p in @(Get-CimSafe -Namespace 'root\StandardCimv2' -ClassName 'MSFT_NetFirewallProfile')) {
            $profiles += , ([ordered]@{ name = [string]$p.Name; enabled = ([int]$p.Enabled -eq 1) })
        }
    }
    return [ordered]@{ profiles = $profiles }
}

function Get-SecurityCenterProducts {
    # Windows Security Center exists on client editions only (not on Windows Server).
    param([string]$ClassName)
    $products = @()
    foreach ($p in @(Get-CimSafe -Namespace 'root\SecurityCenter2' -ClassName $ClassName)) {
        $state = [int]$p.productState
        $products += , ([ordered]@{
                displayName  = [string]$p.displayName
                productState = $state
                enabled      = (($state -band 0x1000) -ne 0)
            })
    }
    return , $products
}

function Get-SecurityCenterFact {
    # Each list is read on its own: a failure leaves that list null (Invoke-Fact would unroll
    # an array, so the errors are recorded here).
    $fact = [ordered]@{ antivirus = $null; antispyware = $null }
    foreach ($pair in @(@('antivirus', 'AntiVirusProduct'), @('antispyware', 'AntiSpywareProduct'))) {
        try {
            $fact[$pair[0]] = Get-SecurityCenterProducts -ClassName $pair[1]
        }
        catch {
            Add-FactError -Fact ('securityCenter.' + $pair[0]) -Problem $_
        }
    }
    return $fact
}

function Find-NetAccountsValue {
    param([string[]]$Lines, [string]$Label)
    foreach ($line in $Lines) {
        if ($line.StartsWith($Label, [StringComparison]::OrdinalIgnoreCase)) {
            return $line.Substring($Label.Length).Trim()
        }
    }
    return $null
}

function ConvertTo-PolicyNumber {
    # "Unlimited" (maximum age) and "None" (history) both mean 0 in the report.
    param([string]$Text)
    if ($Text -match '^\d+$') { return [int]$Text }
    return 0
}

function Get-NetAccountsPolicy {
    $ErrorActionPreference = 'Continue'
    $lines = @(& net.exe accounts 2>$null)
    if ($LASTEXITCODE -ne 0) { throw ('net accounts exited with {0}' -f $LASTEXITCODE) }
    $length = Find-NetAccountsValue $lines 'Minimum password length:'
    $maxAge = Find-NetAccountsValue $lines 'Maximum password age (days):'
    $history = Find-NetAccountsValue $lines 'Length of password history maintained:'
    if ($null -eq $length -or $null -eq $maxAge -or $null -eq $history) {
        throw 'net accounts printed labels in another language'
    }
    return @((ConvertTo-PolicyNumber $length), (ConvertTo-PolicyNumber $maxAge), (ConvertTo-PolicyNumber $history), 'net accounts')
}

function Get-SeceditPolicy {
    # Language-independent keys; needs elevation. MaximumPasswordAge -1 means never expires.
    $ErrorActionPreference = 'Continue'
    $file = [IO.Path]::GetTempFileName()
    try {
        & secedit.exe /export /cfg $file /areas SECURITYPOLICY /quiet | Out-Null
        if ($LASTEXITCODE -ne 0) { throw ('secedit exited with {0}' -f $LASTEXITCODE) }
        $values = @{}
        foreach ($line in (Get-Content -Path $file)) {
            if ($line -match '^\s*(\w+)\s*=\s*(-?\d+)\s*$') { $values[$Matches[1]] = [int]$Matches[2] }
        }
    }
    finally {
        Remove-Item -Path $file -Force -ErrorAction SilentlyContinue
    }
    $maxAge = $values['MaximumPasswordAge']
    if ($null -eq $maxAge -or $maxAge -lt 0) { $maxAge = 0 }
    return @([int]$values['MinimumPasswordLength'], $maxAge, [int]$values['PasswordHistorySize'], 'secedit')
}

function Get-PasswordPolicyFact {
    try {
        $policy = Get-NetAccountsPolicy
    }
    catch {
        $policy = Get-SeceditPolicy
    }
    return [ordered]@{
        required       = ($policy[0] -gt 0)  # a minimum length above 0 refuses a blank password
        minimumLength  = $policy[0]
        maximumAgeDays = $policy[1]
        historyCount   = $policy[2]
        source         = $policy[3]
    }
}

function Get-JoinFact {
    # dsregcmd /status prints "Name : Value" lines; AzureAdJoined YES is Microsoft Entra
    # joined (hybrid when DomainJoined is YES too). Learn: "Troubleshoot devices by using the
    # dsregcmd command".
    $dsregcmd = Join-Path -Path $env:SystemRoot -ChildPath 'System32\dsregcmd.exe'
    $lines = & $dsregcmd /status
    if ($LASTEXITCODE -ne 0) { throw ('dsregcmd /status exited with {0}' -f $LASTEXITCODE) }
    $values = @{}
    foreach ($line in @($lines)) {
        if ([string]$line -match '^\s*([A-Za-z]+)\s*:\s*(.*?)\s*$') {
            if (-not $values.ContainsKey($Matches[1])) { $values[$Matches[1]] = $Matches[2] }
        }
    }
    if (-not $values.ContainsKey('AzureAdJoined')) { throw 'dsregcmd /status printed no AzureAdJoined line' }
    $tenant = $null
    if ($values.ContainsKey('TenantId') -and $values['TenantId']) { $tenant = $values['TenantId'] }
    return [ordered]@{
        entraJoined  = ($values['AzureAdJoined'] -eq 'YES')
        domainJoined = ($values['DomainJoined'] -eq 'YES')
        tenantId     = $tenant
    }
}

function Get-LastUpdateFact {
    $newest = $null
    foreach ($fix in @(Get-CimSafe -ClassName 'Win32_QuickFixEngineering')) {
        $date = ConvertTo-IsoDate $fix.InstalledOn
        if ($date -and ($null -eq $newest -or [string]::CompareOrdinal($date, $newest.installedOn) -gt 0)) {
            $newest = [ordered]@{ hotFixId = [string]$fix.HotFixID; installedOn = $date }
        }
    }
    return $newest
}

# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------

$invariant = [Globalization.CultureInfo]::InvariantCulture
$now = (Get-Date).ToUniversalTime()
$elevated = Invoke-Fact 'collector.elevated' { Test-Elevated }

$serial = Invoke-Fact 'device.serialNumber' { Get-SerialFact }
$system = Invoke-Fact 'device' { Get-ComputerSystemFact }
$hash = Invoke-Fact 'device.hardwareHash' { Get-HardwareHashFact }
$deviceName = $env:COMPUTERNAME
$manufacturer = $null
$model = $null
if ($null -ne $system) {
    $manufacturer = $system.manufacturer
    $model = $system.model
    if ($system.name) { $deviceName = $system.name }
}

$report = [ordered]@{
    schema         = $Schema
    reportedAt     = $now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $invariant)
    collector      = [ordered]@{
        version    = $CollectorVersion
        powershell = $PSVersionTable.PSVersion.ToString()
        elevated   = $elevated
    }
    device         = [ordered]@{
        serialNumber = $serial
        manufacturer = $manufacturer
        model        = $model
        name         = $deviceName
        hardwareHash = $hash
    }
    os             = (Invoke-Fact 'os' { Get-OsFact })
    bitlocker      = (Invoke-Fact 'bitlocker' { Get-BitLockerFact })
    tpm            = (Invoke-Fact 'tpm' { Get-TpmFact })
    secureBoot     = (Invoke-Fact 'secureBoot' { Get-SecureBootFact })
    codeIntegrity  = (Invoke-Fact 'codeIntegrity' { Get-CodeIntegrityFact })
    deviceGuard    = (Invoke-Fact 'deviceGuard' { Get-DeviceGuardFact })
    defender       = (Invoke-Fact 'defender' { Get-DefenderFact })
    firewall       = (Invoke-Fact 'firewall' { Get-FirewallFact })
    securityCenter = (Get-SecurityCenterFact)
    passwordPolicy = (Invoke-Fact 'passwordPolicy' { Get-PasswordPolicyFact })
    lastUpdate     = (Invoke-Fact 'lastUpdate' { Get-LastUpdateFact })
    join           = (Invoke-Fact 'join' { Get-JoinFact })
    errors         = $script:FactErrors
}

if (-not $OutputPath) { $OutputPath = $PSScriptRoot }
if (-not $OutputPath) { $OutputPath = (Get-Location).Path }
if (-not (Test-Path -LiteralPath $OutputPath -PathType Container)) {
    New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
}

$safeSerial = 'unknown'
if ($serial) {
    $safeSerial = $serial
    foreach ($bad in ([IO.Path]::GetInvalidFileNameChars() + [char]' ')) {
        $safeSerial = $safeSerial.Replace([string]$bad, '_')
    }
}
$fileName = 'joinery-report-{0}-{1}.json' -f $safeSerial, $now.ToString('yyyyMMddHHmmss', $invariant)
$target = Join-Path -Path (Resolve-Path -LiteralPath $OutputPath).ProviderPath -ChildPath $fileName

# UTF-8 without a BOM on both editions (5.1's "-Encoding utf8" would add one).
$json = $report | ConvertTo-Json -Depth 8
[IO.File]::WriteAllText($target, $json, (New-Object System.Text.UTF8Encoding($false)))

if (-not $elevated) {
    Write-Warning 'Not elevated: the hardware hash, BitLocker and TPM facts need "Run as administrator".'
}
if (-not $serial) {
    Write-Warning 'No serial number was read: Joinery will refuse this report.'
}
foreach ($problem in $script:FactErrors) {
    Write-Warning ('{0}: {1}' -f $problem.fact, $problem.message)
}
Write-Host ('Joinery report written: {0} ({1} fact(s) could not be read)' -f $target, $script:FactErrors.Count)
$target
